"""The staging guards refuse a database that anonymize_database has not marked."""

from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command
from django.test import Client

from onboarding import staging
from onboarding.models import StagingCopyMarker


@pytest.fixture
def staging_settings(settings):
    settings.DEPLOYMENT_ENVIRONMENT = "staging"
    return settings


def staging_errors() -> list[str]:
    messages = checks.run_checks(include_deployment_checks=True, databases=["default"])
    return [message.id for message in messages if message.id == "onboarding.E001"]


def anonymize() -> None:
    call_command("anonymize_database", interactive=False, stdout=StringIO())


@pytest.mark.django_db
def test_staging_check_fails_before_anonymization(staging_settings):
    assert staging_errors() == ["onboarding.E001"]


@pytest.mark.django_db
def test_staging_check_passes_after_anonymization(staging_settings):
    anonymize()

    assert StagingCopyMarker.objects.exists()
    assert staging_errors() == []


@pytest.mark.django_db
@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_staging_check_only_on_staging(settings, environment):
    settings.DEPLOYMENT_ENVIRONMENT = environment

    assert staging_errors() == []


@pytest.mark.django_db
def test_staging_check_skipped_without_database(staging_settings):
    assert staging.check_staging_copy(databases=None) == []


@pytest.mark.django_db
def test_staging_middleware_refuses_before_anonymization(staging_settings):
    response = Client().get("/")

    assert response.status_code == 503
    assert response.content.decode() == staging.UNAVAILABLE


@pytest.mark.django_db
def test_staging_middleware_serves_after_anonymization(staging_settings):
    client = Client()
    assert client.get("/").status_code == 503

    anonymize()

    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_staging_middleware_off_elsewhere(settings):
    settings.DEPLOYMENT_ENVIRONMENT = "development"

    assert Client().get("/").status_code == 200


@pytest.mark.django_db
def test_staging_health_check_still_answers(staging_settings):
    assert Client().get("/healthz/").status_code == 200
