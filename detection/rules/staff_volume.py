"""A staff member opening far more applicant records than they usually do."""

import datetime
import math
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncHour

from audit.models import AccessEvent, SecurityEvent
from audit.triage import reveal_right_suspend
from detection import counters
from detection.rules.base import Rule
from detection.rules.sources import staff_source

COUNTED_ACTIONS = frozenset({AccessEvent.Action.VIEW, AccessEvent.Action.REVEAL})
HOUR = 60 * 60


class StaffAccessVolume(Rule):
    """Views and reveals of applicant records by one staff member per hour.

    The threshold is personal: DETECTION_STAFF_VOLUME_FACTOR times the staff
    member's usual volume, the mean count of their active hours in the last
    DETECTION_STAFF_VOLUME_HISTORY_DAYS days, but never below
    DETECTION_STAFF_ACCESSES_PER_HOUR. Reaching it also suspends the staff
    member's reveal right until a security officer restores it, so a stolen
    session or an insider cannot go on to copy values out one reveal at a
    time.
    """

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
        # An entry dated before this hour, such as one written by a data
        # import, is history, not this hour's work.
        if access_event.occurred_at.timestamp() < start:
            return
        key = counters.counter_key("staff-volume", access_event.actor_id, start)
        count = counters.increment(key, timeout=window)
        threshold = cls.personal_threshold(access_event.actor_id, start)
        if count != threshold:
            return
        event = cls.record(
            incident=(access_event.actor_id, start),
            detail={"window_seconds": window, "threshold": threshold},
            references=[access_event.applicant_reference],
            count=count,
            source=staff_source(access_event.actor_id),
        )
        reveal_right_suspend(user_id=access_event.actor_id, security_event=event)

    @classmethod
    def personal_threshold(cls, actor_id: uuid.UUID, window_start: int) -> int:
        """Return the staff member's threshold for the hour that starts then.

        It is computed once per staff member and hour, from the access log,
        and kept in the cache for the rest of that hour.
        """
        key = counters.counter_key("staff-volume-threshold", actor_id, window_start)
        threshold = cache.get(key)
        if threshold is None:
            usual = cls.usual_hourly_volume(actor_id, window_start)
            factor = settings.DETECTION_STAFF_VOLUME_FACTOR
            threshold = max(cls.threshold(), math.ceil(factor * usual))
            cache.set(key, threshold, timeout=cls.window_seconds())
        return int(threshold)

    @classmethod
    def usual_hourly_volume(cls, actor_id: uuid.UUID, window_start: int) -> float:
        """Return the mean count of the staff member's active hours before then."""
        until = datetime.datetime.fromtimestamp(window_start, tz=datetime.UTC)
        since = until - datetime.timedelta(
            days=settings.DETECTION_STAFF_VOLUME_HISTORY_DAYS
        )
        hours = (
            AccessEvent.objects.filter(
                actor_id=actor_id,
                action__in=COUNTED_ACTIONS,
                outcome=AccessEvent.Outcome.ALLOWED,
                occurred_at__gte=since,
                occurred_at__lt=until,
            )
            .annotate(hour=TruncHour("occurred_at"))
            .values("hour")
            .annotate(count=Count("id"))
            .values_list("count", flat=True)
        )
        counts = list(hours)
        return sum(counts) / len(counts) if counts else 0.0
