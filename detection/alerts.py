"""Tell a person about a high-severity security event: e-mail, webhook, log.

An alert names the rule, the severity, counts and public references, and
links to the event on the dashboard. It carries nothing that the event
itself does not store. The first delivery attempt decides whether the alert goes
out at all. An event whose dedupe key already sent an alert within
SECURITY_ALERT_DEDUPE_SECONDS is a duplicate, and once
SECURITY_ALERTS_PER_HOUR alerts went out in the current clock hour, later
events are only logged. Both stay visible on the dashboard.
"""

import hashlib
import hmac
import logging
import smtplib
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import SEVERITY_RANK, SecurityEvent
from detection import counters
from detection.models import AlertDelivery
from vault.exceptions import VaultError
from vault.outbound import DataContract, FieldForm, outbound_post

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("audit.security")

SIGNATURE_HEADER = "X-Signature"
SIGNATURE_PREFIX = "sha256="
# Every field of alert_payload. None carries a personal value: events hold
# ids, references, counts and names only, which the gate checks again.
WEBHOOK_CONTRACT = DataContract(
    integration="security alert webhook",
    fields={
        **{
            name: FieldForm.PLAIN
            for name in (
                "event",
                "rule",
                "severity",
                "count",
                "source",
                "created_at",
                "sent_at",
                "url",
            )
        },
        "references": FieldForm.PLAIN_NESTED,
        "detail": FieldForm.PLAIN_NESTED,
    },
)
HOUR = 60 * 60


class AlertDeliveryError(Exception):
    """A channel could not deliver an alert; the task retries it."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        super().__init__(f"The {channel} channel failed to deliver a security alert.")


def alert_needed(event: SecurityEvent) -> bool:
    """Return whether ``event`` is severe enough to send an alert."""
    minimum = SecurityEvent.Severity(settings.SECURITY_ALERT_MINIMUM_SEVERITY)
    return (
        SEVERITY_RANK[SecurityEvent.Severity(event.severity)] >= SEVERITY_RANK[minimum]
    )


def alert_schedule(event: SecurityEvent) -> None:
    """Queue the delivery of ``event``'s alert once its transaction commits."""
    from detection.tasks import security_alert_deliver

    event_id = event.pk
    transaction.on_commit(lambda: security_alert_deliver.delay(event_id))


def alert_deliver(event_id: int) -> None:
    """Deliver the alert of one event, skipping channels that already have it.

    Raises AlertDeliveryError when a channel fails, after the other
    channels were tried, so a retry repeats only the failed ones.
    """
    event = SecurityEvent.objects.filter(pk=event_id).first()
    if event is None:
        return
    if event.alert_state == SecurityEvent.AlertState.PENDING:
        state = _admission(event)
        _set_state(event, state)
        if state != SecurityEvent.AlertState.SENDING:
            logger.info("Security alert for event %s not sent: %s", event.pk, state)
            return
    elif event.alert_state != SecurityEvent.AlertState.SENDING:
        # Sent, suppressed or failed already: a redelivered task does nothing.
        return

    failed = [
        channel
        for channel, send in _channels().items()
        if not _delivered(event, channel) and not _attempt(event, channel, send)
    ]
    if failed:
        raise AlertDeliveryError(", ".join(failed))
    _set_state(event, SecurityEvent.AlertState.SENT)
    security_logger.log(
        logging.CRITICAL
        if event.severity == SecurityEvent.Severity.CRITICAL
        else logging.ERROR,
        "Security alert for event %s: %s, severity %s, count %s",
        event.pk,
        event.rule,
        event.severity,
        event.count,
    )


def alert_failed(event_id: int, error: AlertDeliveryError) -> None:
    """Record that retries are used up; the event stays on the dashboard."""
    SecurityEvent.objects.filter(pk=event_id).update(
        alert_state=SecurityEvent.AlertState.FAILED
    )
    security_logger.error(
        "Security alert for event %s failed after retries on: %s",
        event_id,
        error.channel,
    )


def alert_payload(event: SecurityEvent) -> dict[str, Any]:
    """Return the alert's content: the event's own fields and a link."""
    path = reverse("staff:audit_securityevent_change", args=[event.pk])
    return {
        "event": event.pk,
        "rule": event.rule,
        "severity": event.severity,
        "count": event.count,
        "references": event.references,
        "source": event.source,
        "detail": event.detail,
        "created_at": event.created_at.isoformat(),
        "sent_at": timezone.now().isoformat(),
        "url": f"{settings.SITE_URL}{path}",
    }


def webhook_signature(body: bytes) -> str:
    """Return the X-Signature value: HMAC-SHA256 of the body, in hex."""
    key = settings.SECURITY_ALERT_WEBHOOK_SECRET.encode()
    return SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def _admission(event: SecurityEvent) -> str:
    # Hashed, because a caller may pass any text as the dedupe key.
    incident = hashlib.sha256(event.dedupe_key.encode()).hexdigest()
    dedupe = counters.counter_key("alert-dedupe", incident)
    if not counters.first_sighting(
        dedupe, timeout=settings.SECURITY_ALERT_DEDUPE_SECONDS
    ):
        return SecurityEvent.AlertState.DUPLICATE
    hourly = counters.counter_key("alerts-sent", counters.window_start(HOUR))
    sent = counters.increment(hourly, timeout=HOUR)
    if sent > settings.SECURITY_ALERTS_PER_HOUR:
        if sent == settings.SECURITY_ALERTS_PER_HOUR + 1:
            security_logger.error(
                "Security alerts reached the hourly limit of %s; later alerts "
                "this hour are logged only",
                settings.SECURITY_ALERTS_PER_HOUR,
            )
        return SecurityEvent.AlertState.RATE_LIMITED
    return SecurityEvent.AlertState.SENDING


def _set_state(event: SecurityEvent, state: str) -> None:
    event.alert_state = state
    fields = ["alert_state"]
    if state == SecurityEvent.AlertState.SENT:
        event.alerted_at = timezone.now()
        fields.append("alerted_at")
    event.save(update_fields=fields)


def _channels() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    if settings.SECURITY_ALERT_EMAILS:
        channels[AlertDelivery.Channel.EMAIL] = _send_email
    if settings.SECURITY_ALERT_WEBHOOK_URL:
        channels[AlertDelivery.Channel.WEBHOOK] = _send_webhook
    return channels


def _delivered(event: SecurityEvent, channel: str) -> bool:
    return AlertDelivery.objects.filter(security_event=event, channel=channel).exists()


def _attempt(event: SecurityEvent, channel: str, send: Any) -> bool:
    try:
        send(event)
    except (OSError, smtplib.SMTPException, VaultError) as error:
        # The error's text may contain the server's reply, so only its type
        # is logged.
        logger.warning(
            "Security alert for event %s: %s delivery failed with %s",
            event.pk,
            channel,
            type(error).__name__,
        )
        return False
    AlertDelivery.objects.get_or_create(security_event=event, channel=channel)
    return True


def _send_email(event: SecurityEvent) -> None:
    payload = alert_payload(event)
    subject = f"[security] {event.severity}: {event.rule}"
    lines = [f"{name}: {value}" for name, value in payload.items()]
    send_mail(subject, "\n".join(lines), None, settings.SECURITY_ALERT_EMAILS)


class WebhookRejectedError(OSError):
    """The webhook returned a status other than 2xx, redirects included."""


def _send_webhook(event: SecurityEvent) -> None:
    url = settings.SECURITY_ALERT_WEBHOOK_URL
    if urlsplit(url).scheme not in {"http", "https"}:
        msg = "SECURITY_ALERT_WEBHOOK_URL must be an http or https URL."
        raise OSError(msg)
    # The gate checks the payload against its contract and follows no
    # redirect, which would send the signed alert to an unconfigured host.
    response = outbound_post(
        WEBHOOK_CONTRACT,
        url,
        alert_payload(event),
        timeout=settings.SECURITY_ALERT_WEBHOOK_TIMEOUT_SECONDS,
        sign=lambda body: {SIGNATURE_HEADER: webhook_signature(body)},
    )
    if not 200 <= response.status < 300:
        msg = f"The security alert webhook answered {response.status}."
        raise WebhookRejectedError(msg)
