"""Write audit entries. Callers pass ids and names, never values."""

import hashlib
import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from audit.client import client_network
from audit.context import current_request, current_request_id
from audit.models import AccessEvent, SecurityEvent
from vault.detector import pii_kinds

if TYPE_CHECKING:
    from audit.verification import ChainReport

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("audit.security")

# The rule name of the security event that a broken chain raises.
AUDIT_CHAIN_BROKEN = "audit chain broken"

LOG_LEVELS: dict[str, int] = {
    SecurityEvent.Severity.WARNING: logging.WARNING,
    SecurityEvent.Severity.HIGH: logging.ERROR,
    SecurityEvent.Severity.CRITICAL: logging.CRITICAL,
}


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
    *,
    severity: str,
    rule: str,
    detail: dict[str, Any] | None = None,
    references: Sequence[str] = (),
    count: int = 1,
    source: str = "",
    dedupe_key: str = "",
) -> SecurityEvent:
    """Record something a security analyst must look at, and log it.

    ``detail`` names ids and counts only, and ``references`` public applicant
    references. ``dedupe_key`` names the incident, so repeated events of one
    incident send one alert; without it the rule and the detail name it.
    The detection app delivers alerts for high and critical events.
    """
    detail = detail or {}
    found = pii_kinds([detail, list(references)])
    if found:
        # A caller's mistake must not put a personal value into the table
        # or an alert, so the detail is replaced by the kinds found.
        logger.error("Security event detail withheld: it looked like personal data")
        detail, references = {"withheld": sorted(found)}, ()
    event = SecurityEvent.objects.create(
        severity=severity,
        rule=rule,
        detail=detail,
        references=list(references),
        count=count,
        source=source,
        dedupe_key=dedupe_key or _default_dedupe_key(rule, detail),
    )
    security_logger.log(
        LOG_LEVELS[severity],
        "Security event %s: %s %s count %s",
        event.pk,
        rule,
        detail,
        count,
    )
    return event


def _default_dedupe_key(rule: str, detail: dict[str, Any]) -> str:
    text = json.dumps([rule, detail], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


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
