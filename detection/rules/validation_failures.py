"""Many rejected form submissions in a row from one client."""

from collections.abc import Iterable

from django.http import HttpRequest

from detection import counters
from detection.rules.base import Rule
from detection.rules.sources import network_source


class ValidationFailureStreak(Rule):
    """Invalid sign-up or wizard submissions without a valid one between.

    People mistype now and then; a long streak is a script trying values.
    """

    name = "validation failures in a row"
    threshold_setting = "DETECTION_VALIDATION_FAILURES"
    window_setting = "DETECTION_VALIDATION_WINDOW_SECONDS"

    @classmethod
    def observe_failure(
        cls, *, request: HttpRequest, form: str, field_names: Iterable[str]
    ) -> None:
        subject = counters.client_subject(request)
        if subject is None:
            return
        key = counters.counter_key("validation-streak", subject)
        count = counters.increment(key, timeout=cls.window_seconds())
        if count == cls.threshold():
            cls.record(
                incident=(subject, form),
                detail={
                    "form": form,
                    "fields": sorted(field_names),
                    "threshold": cls.threshold(),
                },
                count=count,
                source=network_source(request),
            )

    @classmethod
    def observe_success(cls, *, request: HttpRequest) -> None:
        subject = counters.client_subject(request)
        if subject is not None:
            counters.reset(counters.counter_key("validation-streak", subject))
