"""The idle timeout: staff sessions end after STAFF_IDLE_TIMEOUT seconds.

Each test moves the session's time of the last request back instead of
waiting.
"""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from onboarding.staff.middleware import SESSION_LAST_REQUEST_AT
from tests.staff.conftest import CHANGELIST_URL, INDEX_URL, LOGIN_URL

pytestmark = pytest.mark.django_db


def last_request_seconds_ago(client, seconds: int) -> None:
    session = client.session
    moment = timezone.now() - datetime.timedelta(seconds=seconds)
    session[SESSION_LAST_REQUEST_AT] = moment.isoformat()
    session.save()


def test_staff_signed_out_after_limit(staff_client, settings):
    staff_client.get(INDEX_URL)
    last_request_seconds_ago(staff_client, settings.STAFF_IDLE_TIMEOUT + 1)

    response = staff_client.get(CHANGELIST_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={CHANGELIST_URL}"
    assert SESSION_KEY not in staff_client.session


def test_sign_out_message_shown(staff_client, settings):
    settings.STAFF_IDLE_TIMEOUT = 900
    staff_client.get(INDEX_URL)
    last_request_seconds_ago(staff_client, 901)

    response = staff_client.get(CHANGELIST_URL, follow=True)

    assert response.redirect_chain[-1][0] == f"{LOGIN_URL}?next={CHANGELIST_URL}"
    assert (
        "You were signed out after 15 minutes without activity."
        in response.content.decode()
    )


def test_staff_kept_before_limit(staff_client, settings):
    staff_client.get(INDEX_URL)
    last_request_seconds_ago(staff_client, settings.STAFF_IDLE_TIMEOUT - 5)

    response = staff_client.get(CHANGELIST_URL)

    assert response.status_code == 200
    assert SESSION_KEY in staff_client.session


def test_limit_read_from_setting(staff_client, settings):
    settings.STAFF_IDLE_TIMEOUT = 60
    staff_client.get(INDEX_URL)
    last_request_seconds_ago(staff_client, 61)

    response = staff_client.get(CHANGELIST_URL)

    assert response.status_code == 302
    assert SESSION_KEY not in staff_client.session


def test_each_request_restarts_clock(staff_client, settings):
    staff_client.get(INDEX_URL)
    last_request_seconds_ago(staff_client, settings.STAFF_IDLE_TIMEOUT - 5)
    staff_client.get(INDEX_URL)

    stored = staff_client.session[SESSION_LAST_REQUEST_AT]

    age = timezone.now() - datetime.datetime.fromisoformat(stored)
    assert age < datetime.timedelta(seconds=5)


def test_password_only_session_times_out(password_only_staff_client, settings):
    password_only_staff_client.get(LOGIN_URL)
    last_request_seconds_ago(
        password_only_staff_client, settings.STAFF_IDLE_TIMEOUT + 1
    )

    password_only_staff_client.get(LOGIN_URL)

    assert SESSION_KEY not in password_only_staff_client.session


def test_post_after_limit_not_replayed(staff_client, settings):
    staff_client.get(INDEX_URL)
    last_request_seconds_ago(staff_client, settings.STAFF_IDLE_TIMEOUT + 1)

    response = staff_client.post(CHANGELIST_URL, {"action": "export_masked_csv"})

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL


def test_unreadable_time_signs_out(staff_client):
    session = staff_client.session
    session[SESSION_LAST_REQUEST_AT] = "not a time"
    session.save()

    staff_client.get(CHANGELIST_URL)

    assert SESSION_KEY not in staff_client.session


def test_applicant_not_affected(signed_in_client, settings):
    signed_in_client.get("/apply/")
    last_request_seconds_ago(signed_in_client, settings.STAFF_IDLE_TIMEOUT * 10)

    response = signed_in_client.get("/apply/")

    assert response.status_code == 200
    assert SESSION_KEY in signed_in_client.session
