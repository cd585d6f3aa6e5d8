"""Alert delivery: channels, signature, dedupe, hourly limit and retries."""

import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from audit.models import SecurityEvent
from audit.services import security_event_record
from detection.models import AlertDelivery
from tests.detection.conftest import (
    ALERT_ADDRESS,
    alert_emails,
    assert_alert_delivered,
    signature_valid,
    wait_for_alert_state,
)

pytestmark = pytest.mark.django_db(transaction=True)


def high_event(*, dedupe_key: str = "", rule: str = "test rule") -> SecurityEvent:
    return security_event_record(
        severity=SecurityEvent.Severity.HIGH,
        rule=rule,
        detail={"threshold": 1},
        references=["APL-TEST-0000-0001"],
        dedupe_key=dedupe_key,
    )


def test_high_event_alerts_every_channel(alert_channels, celery_worker, caplog):
    caplog.set_level(logging.INFO, logger="audit.security")

    event = high_event()

    assert_alert_delivered(event, alert_channels)
    [email] = alert_emails(event)
    assert email.to == [ALERT_ADDRESS]
    assert email.subject == "[security] high: test rule"
    assert "APL-TEST-0000-0001" in email.body
    [payload] = alert_channels.bodies()
    assert payload["references"] == ["APL-TEST-0000-0001"]
    assert payload["url"].endswith(f"/audit/securityevent/{event.pk}/change/")
    assert f"Security alert for event {event.pk}: test rule" in caplog.text
    assert event.alerted_at is not None


def test_signature_covers_body(alert_channels, celery_worker):
    event = high_event()
    wait_for_alert_state(event, SecurityEvent.AlertState.SENT)

    [(headers, body)] = alert_channels.requests
    assert signature_valid(headers, body)
    assert not signature_valid(headers, body.replace(b"high", b"warning"))


def test_warning_sends_no_alert(alert_channels):
    event = security_event_record(severity="warning", rule="test rule")

    assert event.alert_state == SecurityEvent.AlertState.NOT_NEEDED


def test_duplicate_sends_one_alert(alert_channels, celery_worker):
    first = high_event(dedupe_key="same incident")
    second = high_event(dedupe_key="same incident")

    wait_for_alert_state(first, SecurityEvent.AlertState.SENT)
    wait_for_alert_state(second, SecurityEvent.AlertState.DUPLICATE)
    assert len(alert_channels.requests) == 1
    assert len(mail.outbox) == 1


def test_hourly_limit_logs_the_rest(settings, alert_channels, celery_worker, caplog):
    caplog.set_level(logging.INFO, logger="audit.security")
    settings.SECURITY_ALERTS_PER_HOUR = 2

    events = [high_event(dedupe_key=f"incident {n}") for n in range(3)]

    for event in events[:2]:
        wait_for_alert_state(event, SecurityEvent.AlertState.SENT)
    wait_for_alert_state(events[2], SecurityEvent.AlertState.RATE_LIMITED)
    assert len(alert_channels.requests) == 2
    assert "reached the hourly limit of 2" in caplog.text


def test_failing_webhook_is_retried(alert_channels, celery_worker):
    alert_channels.failures = 2

    event = high_event()

    assert_alert_delivered(event, alert_channels)
    assert len(alert_channels.requests) == 3
    # The e-mail went out on the first attempt and is not sent again.
    assert len(alert_emails(event)) == 1
    channels = set(
        AlertDelivery.objects.filter(security_event=event).values_list(
            "channel", flat=True
        )
    )
    assert channels == {"email", "webhook"}


def test_gives_up_after_retries(settings, alert_channels, celery_worker, caplog):
    caplog.set_level(logging.INFO, logger="audit.security")
    settings.SECURITY_ALERT_MAX_RETRIES = 1
    alert_channels.failures = 10

    event = high_event()

    wait_for_alert_state(event, SecurityEvent.AlertState.FAILED)
    assert len(alert_channels.requests) == 2
    assert f"Security alert for event {event.pk} failed after retries" in caplog.text


def test_redirect_is_not_followed(alert_channels, celery_worker, settings):
    settings.SECURITY_ALERT_MAX_RETRIES = 0
    alert_channels.status_after_failures = 302

    event = high_event()

    wait_for_alert_state(event, SecurityEvent.AlertState.FAILED)
    assert len(alert_channels.requests) == 1


def test_personal_detail_is_withheld(alert_channels, celery_worker, canary):
    event = security_event_record(
        severity="high", rule="careless rule", detail={"typed": canary.email}
    )

    assert event.detail == {"withheld": ["email"]}
    wait_for_alert_state(event, SecurityEvent.AlertState.SENT)
    assert canary.email not in mail.outbox[0].body
    assert canary.email not in alert_channels.requests[0][1].decode()


def test_webhook_without_secret_fails_check(settings):
    settings.SECURITY_ALERT_WEBHOOK_URL = "http://127.0.0.1:9/alerts"
    settings.SECURITY_ALERT_WEBHOOK_SECRET = ""

    with pytest.raises(SystemCheckError, match="detection.E001"):
        call_command("check")


def test_failing_rule_spares_request(client, monkeypatch, caplog, canary):
    from detection.rules.enumeration import EmailEnumeration

    def broken(**kwargs):
        raise ValueError(kwargs["email"])

    monkeypatch.setattr(EmailEnumeration, "observe", broken)
    data = {
        "email": canary.email,
        "password1": canary.password,
        "password2": canary.password,
    }

    response = client.post(reverse("onboarding:sign-up"), data)

    assert response.status_code == 302
    assert "Detection receiver sign_up_submitted failed with ValueError" in caplog.text
    assert canary.email not in caplog.text
