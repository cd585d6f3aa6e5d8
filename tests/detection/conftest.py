"""Fixtures for the anomaly-rule, alert and dashboard tests.

Alerts go through a real Celery worker (tests/retention/conftest.py) to the
test outbox and to a webhook receiver: a real HTTP server on 127.0.0.1 that
records every request. Tests that wait for an alert commit their data, so
they use ``django_db(transaction=True)``.
"""

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from audit.models import SecurityEvent
from config.celery import app
from tests.portal.conftest import make_staff, portal_client, staff_roles  # noqa: F401

WEBHOOK_SECRET = "TEST-ONLY-webhook-secret"  # noqa: S105 - a visibly fake key
ALERT_ADDRESS = "security-team@example.com"
# Seconds a test waits for a worker to deliver an alert before it fails.
WAIT_TIMEOUT = 30
POLL_INTERVAL = 0.05


@pytest.fixture(scope="module")
def celery_worker(django_db_blocker):
    """Return a worker thread, as in tests/retention, for this test module.

    Starting a worker sets the root logger's level to ERROR, which would
    hide INFO records from caplog in later modules, so the level is restored.
    """
    root_level = logging.getLogger().level
    try:
        with (
            django_db_blocker.unblock(),
            start_worker(
                app, pool="solo", perform_ping_check=False, shutdown_timeout=30
            ) as worker,
        ):
            yield worker
    finally:
        logging.getLogger().setLevel(root_level)


@dataclass
class WebhookReceiver:
    """A local HTTP server that records alert webhooks.

    It answers ``failures`` requests with 500 first, then 204.
    """

    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    # The requests answered with a 2xx status.
    accepted: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    failures: int = 0
    status_after_failures: int = 204

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.requests]


def signature_valid(headers: dict[str, str], body: bytes) -> bool:
    expected = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("X-Signature", ""), f"sha256={expected}")


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                receiver.requests.append((dict(self.headers.items()), body))
                failing = receiver.failures > 0
                receiver.failures -= 1 if failing else 0
                status = 500 if failing else receiver.status_after_failures
                if status < 300:
                    receiver.accepted.append((dict(self.headers.items()), body))
            self.send_response(status)
            if receiver.status_after_failures in {301, 302, 307}:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def alert_channels(settings, webhook_receiver) -> WebhookReceiver:
    """Configure e-mail and webhook alerts, and return the webhook receiver."""
    settings.SECURITY_ALERT_EMAILS = [ALERT_ADDRESS]
    settings.SECURITY_ALERT_WEBHOOK_URL = webhook_receiver.url
    settings.SECURITY_ALERT_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.SECURITY_ALERT_RETRY_SECONDS = 0
    mail.outbox.clear()
    return webhook_receiver


def wait_until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(POLL_INTERVAL)
    msg = f"Timed out after {WAIT_TIMEOUT} s waiting for {what}."
    raise AssertionError(msg)


def wait_for_alert_state(event: SecurityEvent, *states: str) -> SecurityEvent:
    """Wait until the worker has moved ``event``'s alert to one of ``states``."""

    def settled() -> bool:
        event.refresh_from_db()
        return event.alert_state in states

    wait_until(settled, f"event {event.pk} to reach {states}")
    return event


def alert_emails(event: SecurityEvent) -> list:
    return [
        message
        for message in mail.outbox
        if ALERT_ADDRESS in message.to and f"event: {event.pk}\n" in message.body
    ]


def assert_alert_delivered(event: SecurityEvent, receiver: WebhookReceiver) -> None:
    """Wait for the alert of ``event`` and check both channels and the signature."""
    wait_for_alert_state(event, SecurityEvent.AlertState.SENT)
    assert len(alert_emails(event)) == 1
    webhooks = [
        (headers, body)
        for headers, body in receiver.accepted
        if json.loads(body)["event"] == event.pk
    ]
    assert len(webhooks) == 1
    headers, body = webhooks[0]
    assert signature_valid(headers, body)
    payload = json.loads(body)
    assert payload["rule"] == event.rule
    assert payload["severity"] == event.severity


def event_text(event: SecurityEvent) -> str:
    """Return every stored column of ``event`` as one text."""
    event.refresh_from_db()
    columns = {f.attname: getattr(event, f.attname) for f in event._meta.fields}
    return json.dumps(columns, default=str)


def alert_text(receiver: WebhookReceiver) -> str:
    emails = [f"{message.subject}\n{message.body}" for message in mail.outbox]
    webhooks = [body.decode() for _headers, body in receiver.requests]
    return "\n".join(emails + webhooks)


def assert_no_canary(canary, *texts: str) -> None:
    for text in texts:
        for name, value in canary.searchable_values().items():
            assert value not in text, f"the canary {name} leaked"


@pytest.fixture
def other_applicants(db) -> list:
    """Return three submitted applicants made of synthetic data."""
    from onboarding import services
    from onboarding.models import Applicant, User
    from onboarding.synthetic import synthetic_people

    applicants = []
    for person in synthetic_people(3, seed=8):
        user = User.objects.create_user(person.email, None)
        applicant = Applicant.objects.create(user=user)
        applicants.append(
            services.applicant_submit(applicant=applicant, data=person.wizard_data())
        )
    return applicants


def detail_url(applicant) -> str:
    from django.urls import reverse

    return reverse("staff:onboarding_applicant_change", args=[applicant.reference])


def reveal_url(applicant, field: str) -> str:
    from django.urls import reverse

    return reverse(
        "staff:onboarding_applicant_reveal", args=[applicant.reference, field]
    )


REVEAL_REASON = "Applicant called support and asked to confirm the number we hold."


def reveal(client, applicant, field: str = "phone"):
    return client.post(
        reveal_url(applicant, field), {"reason": REVEAL_REASON, "action": "reveal"}
    )
