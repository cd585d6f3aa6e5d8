"""A broken audit chain, found by the nightly verification or the command."""

from audit.models import SecurityEvent
from audit.services import AUDIT_CHAIN_BROKEN
from detection.rules.base import Rule


class AuditChainBroken(Rule):
    """An audit row changed, inserted or deleted outside the application.

    audit.services.audit_trail_check records this rule's events itself,
    because the audit app does not depend on detection. The events are
    critical, so each one sends an alert like the events of other rules.
    """

    name = AUDIT_CHAIN_BROKEN
    severity = SecurityEvent.Severity.CRITICAL
