"""Receivers that connect the integrations to the vault and the onboarding app."""

import logging
from functools import partial
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from audit.models import SecurityEvent
from audit.services import security_event_record
from integrations.identity_verification.config import provider_settings

logger = logging.getLogger(__name__)

OUTBOUND_PAYLOAD_REFUSED = "outbound payload refused"


def outbound_refusal_record(
    *, integration: str, problems: list[tuple[str, str]], **kwargs: Any
) -> None:
    """Record a critical security event for a payload the outbound gate refused."""
    security_event_record(
        severity=SecurityEvent.Severity.CRITICAL,
        rule=OUTBOUND_PAYLOAD_REFUSED,
        detail={
            "integration": integration,
            "fields": [
                {"field": name, "problem": problem} for name, problem in problems
            ],
        },
    )


def identity_verification_schedule(*, reference: str, **kwargs: Any) -> None:
    """Queue the identity check of a just-submitted application after commit.

    Nothing is queued when no provider is configured.
    """
    if provider_settings() is None:
        return
    transaction.on_commit(partial(_identity_verify_publish, reference))


def _identity_verify_publish(reference: str) -> None:
    from integrations.tasks import identity_verify

    try:
        identity_verify.delay(reference)
    except BrokerError:
        # The submit is committed already; failing the applicant's request
        # would not undo it, so staff decide this application by hand.
        logger.exception(
            "Identity check of %s not queued: the broker is unreachable", reference
        )
