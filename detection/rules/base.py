"""The base class of every anomaly rule."""

import hashlib
from collections.abc import Sequence
from typing import Any, ClassVar

from django.conf import settings

from audit.models import SecurityEvent
from audit.services import security_event_record


class Rule:
    """A named check with a threshold from settings, which records events.

    Subclasses set ``name`` (the event's rule), ``severity`` and, when the
    rule counts, ``threshold_setting`` and ``window_setting``.
    """

    name: ClassVar[str]
    severity: ClassVar[str] = SecurityEvent.Severity.WARNING
    threshold_setting: ClassVar[str | None] = None
    window_setting: ClassVar[str | None] = None

    @classmethod
    def threshold(cls) -> int:
        """Return the count at which the rule fires; 1 for rules that do not count."""
        if cls.threshold_setting is None:
            return 1
        return int(getattr(settings, cls.threshold_setting))

    @classmethod
    def window_seconds(cls) -> int:
        if cls.window_setting is None:
            return 0
        return int(getattr(settings, cls.window_setting))

    @classmethod
    def record(
        cls,
        *,
        incident: Sequence[object],
        detail: dict[str, Any] | None = None,
        references: Sequence[str] = (),
        count: int = 1,
        source: str = "",
    ) -> SecurityEvent:
        """Record a security event of this rule.

        ``incident`` names what makes two events the same incident, such as
        the client and the window; it is hashed into the event's dedupe key.
        """
        incident_text = "\x00".join(str(part) for part in (cls.name, *incident))
        return security_event_record(
            severity=cls.severity,
            rule=cls.name,
            detail=detail,
            references=references,
            count=count,
            source=source,
            dedupe_key=hashlib.sha256(incident_text.encode()).hexdigest(),
        )
