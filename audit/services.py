"""Write audit entries. Callers pass ids and names, never values."""

import logging
from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from audit.client import client_network
from audit.context import current_request, current_request_id
from audit.models import AccessEvent, SecurityEvent

if TYPE_CHECKING:
    from audit.verification import ChainReport

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("audit.security")

# The rule name of the security event that a broken chain raises.
AUDIT_CHAIN_BROKEN = "audit chain broken"


def access_event_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    request: HttpRequest | None = None,
    applicant_reference: str = "",
    field: str = "",
    reason: str = "",
    outcome: str = AccessEvent.Outcome.ALLOWED,
    detail: dict[str, Any] | None = None,
) -> AccessEvent:
    """Record one action in the access log and return the entry.

    ``actor`` is None only when no user is known to have acted, as for a
    failed sign-in or a management command.
    ``request`` defaults to the request being served.
    """
    request = request or current_request()
    event = AccessEvent.objects.create(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        outcome=outcome,
        applicant_reference=applicant_reference,
        field=field,
        reason=reason,
        client_network=client_network(request),
        detail=detail or {},
        request_id=getattr(request, "request_id", None) or current_request_id() or "",
    )
    logger.info(
        "Access event %s: %s %s on %s",
        event.pk,
        action,
        outcome,
        applicant_reference or "-",
        extra={"actor_id": str(actor.pk) if actor else ""},
    )
    return event


def security_event_record(
    *, severity: str, rule: str, detail: dict[str, Any] | None = None
) -> SecurityEvent:
    """Record something a security analyst must look at, and log it.

    ``detail`` names ids and counts only.
    """
    event = SecurityEvent.objects.create(
        severity=severity, rule=rule, detail=detail or {}
    )
    critical = severity == SecurityEvent.Severity.CRITICAL
    level = logging.CRITICAL if critical else logging.WARNING
    security_logger.log(level, "Security event %s: %s %s", event.pk, rule, event.detail)
    return event


def audit_trail_check() -> list["ChainReport"]:
    """Verify every chain, and record a security event for each broken one."""
    from audit.verification import verify_all

    reports = verify_all()
    for report in reports:
        if report.intact:
            logger.info(
                "Audit chain %s verified: %s entries, newest id %s",
                report.table,
                report.checked,
                report.last_id,
            )
            continue
        security_event_record(
            severity=SecurityEvent.Severity.CRITICAL,
            rule=AUDIT_CHAIN_BROKEN,
            detail={
                "table": report.table,
                "row": report.broken_id,
                "problem": report.problem,
            },
        )
    return reports
