"""Personal data of one kind typed into a wizard field meant for another."""

import logging

import pytest

from audit.models import SecurityEvent
from tests.detection.conftest import (
    alert_text,
    assert_alert_delivered,
    assert_no_canary,
    event_text,
)
from tests.onboarding.wizard_steps import WIZARD, contact_fields, identity, step_post

pytestmark = pytest.mark.django_db(transaction=True)

RULE = "personal data in the wrong field"


def misplaced_events():
    return list(SecurityEvent.objects.filter(rule=RULE))


def post_contact(client, canary, **overrides: str):
    client.post(WIZARD, identity(canary))
    return client.post(
        WIZARD, step_post("contact", {**contact_fields(canary), **overrides})
    )


def test_national_id_in_address_line(signed_in_client, canary, caplog):
    caplog.set_level(logging.INFO)

    response = post_contact(signed_in_client, canary, address_line1=canary.national_id)

    # The step itself is valid: an address line takes any text.
    assert response.status_code == 200
    [event] = misplaced_events()
    assert event.severity == SecurityEvent.Severity.WARNING
    assert event.detail == {
        "form": "wizard contact",
        "field": "address_line1",
        "kind": "national ID",
    }
    assert_no_canary(canary, event_text(event), caplog.text)


def test_email_in_city_on_invalid_step(signed_in_client, canary):
    response = post_contact(signed_in_client, canary, city=canary.email, phone="12")

    assert response.status_code == 200
    [event] = misplaced_events()
    assert event.detail["field"] == "city"
    assert event.detail["kind"] == "email"


def test_expected_kinds_record_nothing(signed_in_client, canary):
    post_contact(signed_in_client, canary)

    assert misplaced_events() == []


def test_alert_when_warnings_alert(
    settings, signed_in_client, canary, alert_channels, celery_worker, caplog
):
    caplog.set_level(logging.INFO)
    settings.SECURITY_ALERT_MINIMUM_SEVERITY = "warning"

    post_contact(signed_in_client, canary, address_line2=canary.phone)

    [event] = misplaced_events()
    assert event.detail["kind"] == "phone"
    assert_alert_delivered(event, alert_channels)
    assert_no_canary(canary, event_text(event), alert_text(alert_channels), caplog.text)
