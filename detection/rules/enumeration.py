"""Many distinct e-mail addresses tried from one client address."""

from django.http import HttpRequest

from audit.models import SecurityEvent
from detection import counters
from detection.rules.base import Rule
from detection.rules.sources import network_source
from vault import blind_index


class EmailEnumeration(Rule):
    """Sign-ups and failed sign-ins from one IP address, each with a new e-mail.

    Someone who tries many addresses is probing which ones have accounts.
    """

    name = "email enumeration"
    severity = SecurityEvent.Severity.HIGH
    threshold_setting = "DETECTION_ENUMERATION_EMAILS"
    window_setting = "DETECTION_ENUMERATION_WINDOW_SECONDS"

    @classmethod
    def observe(cls, *, request: HttpRequest | None, email: str) -> None:
        """Count ``email`` for the request's client; fire at the threshold."""
        if request is None or not email:
            return
        client = counters.client_index(request)
        if client is None:
            return
        window = cls.window_seconds()
        start = counters.window_start(window)
        address = blind_index.email_index(email)
        seen = counters.counter_key("enumeration", client, start, address)
        if not counters.first_sighting(seen, timeout=window):
            return
        total = counters.counter_key("enumeration", client, start)
        count = counters.increment(total, timeout=window)
        if count == cls.threshold():
            cls.record(
                incident=(client, start),
                detail={"window_seconds": window, "threshold": cls.threshold()},
                count=count,
                source=network_source(request),
            )
