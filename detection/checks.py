"""System checks of the alert settings."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.checks import register as register_check

from audit.models import SecurityEvent


def alert_settings_check(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if (
        settings.SECURITY_ALERT_WEBHOOK_URL
        and not settings.SECURITY_ALERT_WEBHOOK_SECRET
    ):
        errors.append(
            Error(
                "SECURITY_ALERT_WEBHOOK_URL is set but SECURITY_ALERT_WEBHOOK_SECRET "
                "is empty, so the receiver could not verify that an alert is ours.",
                hint="Set SECURITY_ALERT_WEBHOOK_SECRET to a long random value "
                "shared with the webhook's receiver.",
                id="detection.E001",
            )
        )
    if settings.SECURITY_ALERT_MINIMUM_SEVERITY not in SecurityEvent.Severity.values:
        errors.append(
            Error(
                "SECURITY_ALERT_MINIMUM_SEVERITY is not a known severity, so no "
                "alert could be sent.",
                hint="Set it to one of: "
                + ", ".join(SecurityEvent.Severity.values)
                + ".",
                id="detection.E002",
            )
        )
    return errors


def register() -> None:
    register_check(alert_settings_check)
