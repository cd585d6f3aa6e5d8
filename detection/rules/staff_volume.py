"""A staff member opening far more applicant records than their work needs."""

from audit.models import AccessEvent, SecurityEvent
from audit.triage import reveal_right_suspend
from detection import counters
from detection.rules.base import Rule
from detection.rules.sources import staff_source

COUNTED_ACTIONS = frozenset({AccessEvent.Action.VIEW, AccessEvent.Action.REVEAL})
HOUR = 60 * 60


class StaffAccessVolume(Rule):
    """Views and reveals of applicant records by one staff member per hour.

    Reaching the threshold also suspends the staff member's reveal right
    until a security officer restores it, so a stolen session or an insider
    cannot go on to copy values out one reveal at a time.
    """

    # TODO: compare with each staff member's own usual volume. One fixed
    # threshold for everybody misses an insider who stays below it, and
    # fires for a team whose normal work is above it.
    name = "staff access volume"
    severity = SecurityEvent.Severity.HIGH
    threshold_setting = "DETECTION_STAFF_ACCESSES_PER_HOUR"

    @classmethod
    def window_seconds(cls) -> int:
        return HOUR

    @classmethod
    def observe(cls, access_event: AccessEvent) -> None:
        if (
            access_event.action not in COUNTED_ACTIONS
            or access_event.outcome != AccessEvent.Outcome.ALLOWED
            or access_event.actor_id is None
            or not access_event.applicant_reference
        ):
            return
        window = cls.window_seconds()
        start = counters.window_start(window)
        key = counters.counter_key("staff-volume", access_event.actor_id, start)
        count = counters.increment(key, timeout=window)
        if count != cls.threshold():
            return
        event = cls.record(
            incident=(access_event.actor_id, start),
            detail={"window_seconds": window, "threshold": cls.threshold()},
            references=[access_event.applicant_reference],
            count=count,
            source=staff_source(access_event.actor_id),
        )
        reveal_right_suspend(user_id=access_event.actor_id, security_event=event)
