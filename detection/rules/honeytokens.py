"""Any staff access to a decoy applicant."""

from audit.models import AccessEvent, SecurityEvent
from detection.models import Honeytoken
from detection.rules.base import Rule
from detection.rules.sources import staff_source

WATCHED_ACTIONS = frozenset(
    {
        AccessEvent.Action.VIEW,
        AccessEvent.Action.REVEAL,
        AccessEvent.Action.REVEAL_REQUEST,
    }
)


class HoneytokenAccess(Rule):
    """A view, reveal or reveal request on a decoy applicant.

    No task leads a staff member to a decoy, so every access, allowed or
    refused, means someone is browsing records they have no reason to open.
    """

    name = "decoy record accessed"
    severity = SecurityEvent.Severity.HIGH

    @classmethod
    def observe(cls, access_event: AccessEvent) -> None:
        reference = access_event.applicant_reference
        if access_event.action not in WATCHED_ACTIONS or not reference:
            return
        if not Honeytoken.objects.filter(applicant_reference=reference).exists():
            return
        cls.record(
            # Each access is its own incident, so each one sends an alert.
            incident=(access_event.pk,),
            detail={
                "action": access_event.action,
                "outcome": access_event.outcome,
                "field": access_event.field,
                "access_event": access_event.pk,
            },
            references=[reference],
            source=staff_source(access_event.actor_id),
        )
