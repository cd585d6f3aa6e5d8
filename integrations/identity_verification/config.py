"""Read and validate the identity-verification settings."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from integrations.exceptions import IntegrationConfigurationError

MINIMUM_KEY_LENGTH = 16
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# The keys written in docker-compose.yml for the local stand-in. Anyone with
# the repository has them, so they are refused while DEBUG is off.
PUBLISHED_DEMO_KEYS = frozenset(
    {"local-only-identity-standin-api-key", "local-only-identity-token-key"}
)
KEY_HOWTO = (
    'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
)


@dataclass(frozen=True)
class ProviderSettings:
    url: str
    api_key: str
    token_key: bytes
    timeout: float


def provider_settings() -> ProviderSettings | None:
    """Return the provider's settings, or None when no provider is configured.

    Raises IntegrationConfigurationError when IDENTITY_VERIFICATION_URL is
    set but a key is missing, short, shared with another key or published,
    or when the URL is not HTTPS while DEBUG is off.
    """
    url = settings.IDENTITY_VERIFICATION_URL
    if not url:
        return None
    api_key = settings.IDENTITY_VERIFICATION_API_KEY
    token_key = settings.IDENTITY_VERIFICATION_TOKEN_KEY
    for name, value in (
        ("IDENTITY_VERIFICATION_API_KEY", api_key),
        ("IDENTITY_VERIFICATION_TOKEN_KEY", token_key),
    ):
        _check_key(name, value)
    if api_key == token_key:
        msg = (
            "IDENTITY_VERIFICATION_API_KEY and IDENTITY_VERIFICATION_TOKEN_KEY "
            "are the same; give each its own key."
        )
        raise IntegrationConfigurationError(msg)
    parts = urlsplit(url)
    # Loopback traffic never leaves the machine, so the stand-in provider
    # may run on plain HTTP there.
    if (
        not settings.DEBUG
        and parts.scheme != "https"
        and parts.hostname not in LOOPBACK_HOSTS
    ):
        msg = (
            "IDENTITY_VERIFICATION_URL must use https while DEBUG is off, "
            "unless it points to this machine, because the request carries "
            "tokens and a signature."
        )
        raise IntegrationConfigurationError(msg)
    return ProviderSettings(
        url=url,
        api_key=api_key,
        token_key=token_key.encode(),
        timeout=settings.IDENTITY_VERIFICATION_TIMEOUT,
    )


def _check_key(name: str, value: str) -> None:
    if len(value) < MINIMUM_KEY_LENGTH:
        msg = (
            f"{name} is shorter than {MINIMUM_KEY_LENGTH} characters while "
            f"IDENTITY_VERIFICATION_URL is set; {KEY_HOWTO}."
        )
        raise IntegrationConfigurationError(msg)
    vault_keys = {
        *settings.VAULT_ENCRYPTION_KEYS,
        settings.VAULT_BLIND_INDEX_KEY,
        settings.VAULT_TOKEN_KEY,
        settings.AUDIT_CHAIN_KEY,
        settings.SECRET_KEY,
    }
    if value in vault_keys:
        msg = f"{name} repeats a vault or Django key; give it its own key."
        raise IntegrationConfigurationError(msg)
    if not settings.DEBUG and value in PUBLISHED_DEMO_KEYS:
        msg = (
            f"{name} is the published value from docker-compose.yml while "
            f"DEBUG is off; {KEY_HOWTO}."
        )
        raise IntegrationConfigurationError(msg)
