"""Errors of the integrations. Messages name settings and statuses, never values."""

from django.core.exceptions import ImproperlyConfigured


class IntegrationError(Exception):
    """Base class for a failed call to an outside service."""


class IntegrationConfigurationError(IntegrationError, ImproperlyConfigured):
    """An integration's settings are missing, too weak or unsafe."""


class ProviderUnavailableError(IntegrationError):
    """The provider gave no usable response: a timeout, a lost connection, 429 or 5xx.

    The call may succeed later, so tasks retry it.
    """


class ProviderRequestRejectedError(IntegrationError):
    """The provider responded with 4xx: the request or its credentials are wrong.

    Sending it again would fail the same way, so tasks do not retry it.
    """

    def __init__(self, *, integration: str, status: int) -> None:
        self.status = status
        super().__init__(
            f"{integration} rejected the request with HTTP {status}; check its "
            "credentials and data contract."
        )


class ProviderResponseInvalidError(IntegrationError):
    """The provider responded with 200 but not with the agreed body."""
