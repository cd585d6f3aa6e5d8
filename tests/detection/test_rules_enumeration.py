"""Email enumeration: many distinct addresses tried from one client address."""

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

pytestmark = pytest.mark.django_db(transaction=True)

SIGN_UP = reverse("onboarding:sign-up")
SIGN_IN = reverse("onboarding:sign-in")
ATTACKER = "203.0.113.7"
THRESHOLD = 4


@pytest.fixture(autouse=True)
def low_threshold(settings):
    settings.DETECTION_ENUMERATION_EMAILS = THRESHOLD


def sign_up(client, email: str, address: str = ATTACKER):
    data = {
        "email": email,
        "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase",
    }
    return client.post(SIGN_UP, data, REMOTE_ADDR=address)


def enumeration_events():
    return list(SecurityEvent.objects.filter(rule="email enumeration"))


def test_sign_ups_trip_enumeration(
    client, canary, alert_channels, celery_worker, caplog
):
    caplog.set_level(logging.INFO)
    emails = [canary.email] + [f"probe.{n}@example.com" for n in range(THRESHOLD - 1)]

    codes = [sign_up(client, email).status_code for email in emails]

    assert codes == [302] * THRESHOLD
    [event] = enumeration_events()
    assert event.severity == SecurityEvent.Severity.HIGH
    assert event.count == THRESHOLD
    assert event.source == "network 203.0.113.0/24"
    assert event.detail["threshold"] == THRESHOLD
    assert_alert_delivered(event, alert_channels)
    assert_no_canary(canary, event_text(event), alert_text(alert_channels), caplog.text)


def test_one_below_threshold_records_nothing(client):
    for n in range(THRESHOLD - 1):
        sign_up(client, f"probe.{n}@example.com")

    assert enumeration_events() == []


def test_repeated_address_counts_once(client):
    for _ in range(THRESHOLD + 2):
        sign_up(client, "same.address@example.com")

    assert enumeration_events() == []


def test_other_client_addresses_count_apart(client):
    for n in range(THRESHOLD - 1):
        sign_up(client, f"probe.{n}@example.com", address="203.0.113.7")
    sign_up(client, "probe.last@example.com", address="198.51.100.7")

    assert enumeration_events() == []


def test_failed_sign_ins_count_too(client, canary):
    for n in range(THRESHOLD - 1):
        sign_up(client, f"probe.{n}@example.com")
    response = client.post(
        SIGN_IN,
        {"username": canary.email, "password": "wrong-password-1"},
        REMOTE_ADDR=ATTACKER,
    )

    assert response.status_code == 200
    [event] = enumeration_events()
    assert event.count == THRESHOLD
    assert_no_canary(canary, event_text(event))


def test_fires_once_per_window(client):
    for n in range(THRESHOLD * 2):
        sign_up(client, f"probe.{n}@example.com")

    assert len(enumeration_events()) == 1
