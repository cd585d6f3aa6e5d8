"""A broken audit chain, found by the nightly task, sends a critical alert.

Verification runs as a Celery task, not over HTTP, so this test tampers
with a row in the database and runs the task on the worker.
"""

import logging

import pytest

from audit.models import AccessEvent, SecurityEvent
from audit.services import AUDIT_CHAIN_BROKEN
from audit.tasks import audit_trail_verify
from tests.audit.conftest import tamper
from tests.detection.conftest import (
    alert_text,
    assert_alert_delivered,
    assert_no_canary,
    event_text,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_broken_chain_sends_alert(
    compliance_view, canary, alert_channels, celery_worker, caplog
):
    caplog.set_level(logging.INFO)
    tamper(
        "UPDATE audit_accessevent SET field = %s WHERE id = %s",
        ["tampered", compliance_view.pk],
    )

    audit_trail_verify.delay()

    wait_until(
        lambda: SecurityEvent.objects.filter(rule=AUDIT_CHAIN_BROKEN).exists(),
        "the broken-chain event",
    )
    event = SecurityEvent.objects.get(rule=AUDIT_CHAIN_BROKEN)
    assert event.severity == SecurityEvent.Severity.CRITICAL
    assert event.detail["row"] == compliance_view.pk
    assert_alert_delivered(event, alert_channels)
    assert_no_canary(canary, event_text(event), alert_text(alert_channels), caplog.text)


@pytest.fixture
def compliance_view(portal_client, submitted_applicant) -> AccessEvent:
    from tests.detection.conftest import detail_url

    compliance = portal_client("Compliance")
    compliance.get(detail_url(submitted_applicant))
    return AccessEvent.objects.get(action=AccessEvent.Action.VIEW)
