"""Validation failures in a row, from one client, on sign-up and the wizard."""

import logging

import pytest
from django.urls import reverse

from audit.models import SecurityEvent
from tests.detection.conftest import (
    alert_text,
    assert_alert_delivered,
    assert_no_canary,
    event_text,
)
from tests.onboarding.wizard_steps import WIZARD, identity_fields, step_post

pytestmark = pytest.mark.django_db(transaction=True)

SIGN_UP = reverse("onboarding:sign-up")
RULE = "validation failures in a row"
THRESHOLD = 3


@pytest.fixture(autouse=True)
def low_threshold(settings):
    settings.DETECTION_VALIDATION_FAILURES = THRESHOLD


def invalid_sign_up(client, canary):
    data = {"email": canary.email, "password1": canary.password, "password2": "other"}
    return client.post(SIGN_UP, data, REMOTE_ADDR="203.0.113.20")


def valid_sign_up(client):
    password = "a-long-enough-passphrase"
    data = {"email": "fine@example.com", "password1": password, "password2": password}
    return client.post(SIGN_UP, data, REMOTE_ADDR="203.0.113.20")


def streak_events():
    return list(SecurityEvent.objects.filter(rule=RULE))


def test_invalid_sign_ups_trip_rule(client, canary, caplog):
    caplog.set_level(logging.INFO)

    codes = [invalid_sign_up(client, canary).status_code for _ in range(THRESHOLD)]

    assert codes == [200] * THRESHOLD
    [event] = streak_events()
    assert event.severity == SecurityEvent.Severity.WARNING
    assert event.count == THRESHOLD
    assert event.detail["form"] == "sign-up"
    assert event.detail["fields"] == ["password2"]
    assert event.alert_state == SecurityEvent.AlertState.NOT_NEEDED
    assert_no_canary(canary, event_text(event), caplog.text)


def test_valid_submission_resets_streak(client, canary):
    for _ in range(THRESHOLD - 1):
        invalid_sign_up(client, canary)
    valid_sign_up(client)
    for _ in range(THRESHOLD - 1):
        invalid_sign_up(client, canary)

    assert streak_events() == []


def test_wizard_failures_trip_rule(signed_in_client, canary):
    fields = {**identity_fields(canary), "date_of_birth": "not a date"}

    codes = [
        signed_in_client.post(WIZARD, step_post("identity", fields)).status_code
        for _ in range(THRESHOLD)
    ]

    assert codes == [200] * THRESHOLD
    [event] = streak_events()
    assert event.detail["form"] == "wizard identity"
    assert event.detail["fields"] == ["date_of_birth"]
    assert event.source == "network 127.0.0.0/24"


def test_alert_when_warnings_alert(
    settings, client, canary, alert_channels, celery_worker, caplog
):
    caplog.set_level(logging.INFO)
    settings.SECURITY_ALERT_MINIMUM_SEVERITY = "warning"

    for _ in range(THRESHOLD):
        invalid_sign_up(client, canary)

    [event] = streak_events()
    assert_alert_delivered(event, alert_channels)
    assert_no_canary(canary, event_text(event), alert_text(alert_channels), caplog.text)
