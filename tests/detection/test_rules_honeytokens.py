"""Decoy applicants: seeded by a command, alike in lists, alerting on access."""

import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import SecurityEvent
from detection.models import Honeytoken
from onboarding.models import Applicant
from tests.detection.conftest import (
    alert_text,
    assert_alert_delivered,
    assert_no_canary,
    detail_url,
    event_text,
    reveal,
)

pytestmark = pytest.mark.django_db(transaction=True)

RULE = "decoy record accessed"
CHANGELIST = reverse("staff:onboarding_applicant_changelist")


@pytest.fixture
def decoys(db) -> list[Applicant]:
    call_command("seed_honeytokens", count=2, stdout=None)
    references = Honeytoken.objects.values_list("applicant_reference", flat=True)
    return list(Applicant.objects.filter(reference__in=references))


@pytest.fixture
def compliance(portal_client):
    return portal_client("Compliance")


def decoy_events():
    return list(SecurityEvent.objects.filter(rule=RULE).order_by("id"))


def test_seed_creates_submitted_decoys(decoys):
    assert len(decoys) == 2
    for decoy in decoys:
        assert decoy.status == Applicant.Status.SUBMITTED
        assert not decoy.is_synthetic
        assert not decoy.user.is_synthetic


def test_decoys_look_alike_in_list(compliance, decoys, submitted_applicant):
    response = compliance.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    for decoy in decoys:
        assert decoy.reference in page
    assert "decoy" not in page.lower()
    assert "honeytoken" not in page.lower()
    assert decoy_events() == []


def test_decoy_view_raises_alert(
    compliance,
    decoys,
    canary,
    submitted_applicant,
    alert_channels,
    celery_worker,
    caplog,
):
    caplog.set_level(logging.INFO)

    response = compliance.get(detail_url(decoys[0]))

    assert response.status_code == 200
    [event] = decoy_events()
    assert event.severity == SecurityEvent.Severity.HIGH
    assert event.references == [decoys[0].reference]
    assert event.detail["action"] == "view"
    assert event.source == f"staff {compliance.staff_member.pk}"
    assert_alert_delivered(event, alert_channels)
    assert_no_canary(canary, event_text(event), alert_text(alert_channels), caplog.text)


def test_every_access_alerts(compliance, decoys, alert_channels, celery_worker):
    compliance.get(detail_url(decoys[0]))
    response = reveal(compliance, decoys[0])

    assert response.status_code == 200
    view_event, reveal_event = decoy_events()
    assert reveal_event.detail["action"] == "reveal"
    assert reveal_event.detail["field"] == "phone"
    assert_alert_delivered(view_event, alert_channels)
    assert_alert_delivered(reveal_event, alert_channels)


def test_ordinary_view_records_nothing(compliance, decoys, submitted_applicant):
    assert compliance.get(detail_url(submitted_applicant)).status_code == 200
    assert decoy_events() == []
