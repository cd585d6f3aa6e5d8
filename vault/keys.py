"""Load and validate the vault's keys from settings.

Separate keys protect separate things: the encryption keys turn values into
ciphertext, the blind-index key makes searchable keyed hashes, the token key
signs opaque tokens, and the audit chain key links audit entries into a
tamper-evident hash chain. A leak of one does not weaken the others. The
vault validates the audit chain key with its own keys, so every process
refuses a missing, short, repeated or published one at start-up.
"""

import binascii
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

from vault.demo_keys import DEMO_KEYS
from vault.exceptions import KeyConfigurationError

MINIMUM_SECRET_LENGTH = 16
FERNET_KEY_HOWTO = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)
RANDOM_KEY_HOWTO = (
    'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
)


def validate_keys() -> None:
    """Raise KeyConfigurationError unless every vault key is usable.

    A key is refused when it is missing, malformed, used twice, or one of
    the published demo keys while DEBUG is off.
    """
    encryption_keys = list(settings.VAULT_ENCRYPTION_KEYS)
    if not encryption_keys:
        msg = f"VAULT_ENCRYPTION_KEYS is empty; {FERNET_KEY_HOWTO}."
        raise KeyConfigurationError(msg)
    for position, key in enumerate(encryption_keys):
        try:
            Fernet(key)
        except (ValueError, binascii.Error) as error:
            msg = (
                f"Key number {position + 1} in VAULT_ENCRYPTION_KEYS is not a "
                f"valid Fernet key; {FERNET_KEY_HOWTO}."
            )
            raise KeyConfigurationError(msg) from error

    secrets = {
        "VAULT_BLIND_INDEX_KEY": settings.VAULT_BLIND_INDEX_KEY,
        "VAULT_TOKEN_KEY": settings.VAULT_TOKEN_KEY,
        "AUDIT_CHAIN_KEY": settings.AUDIT_CHAIN_KEY,
    }
    for name in ("VAULT_BLIND_INDEX_PREVIOUS_KEYS", "AUDIT_CHAIN_PREVIOUS_KEYS"):
        for position, key in enumerate(getattr(settings, name)):
            secrets[f"Key number {position + 1} in {name}"] = key
    for name, value in secrets.items():
        if len(value) < MINIMUM_SECRET_LENGTH:
            msg = (
                f"{name} is shorter than {MINIMUM_SECRET_LENGTH} characters; "
                f"{RANDOM_KEY_HOWTO}."
            )
            raise KeyConfigurationError(msg)

    every_key = [*encryption_keys, *secrets.values()]
    if len(set(every_key)) != len(every_key):
        msg = (
            "The same key appears twice among VAULT_ENCRYPTION_KEYS, "
            "VAULT_BLIND_INDEX_KEY, VAULT_BLIND_INDEX_PREVIOUS_KEYS, "
            "VAULT_TOKEN_KEY, AUDIT_CHAIN_KEY and AUDIT_CHAIN_PREVIOUS_KEYS; "
            "give each its own key."
        )
        raise KeyConfigurationError(msg)

    if not settings.DEBUG and DEMO_KEYS.intersection([*every_key, settings.SECRET_KEY]):
        msg = (
            "A published demo key is configured while DEBUG is off; replace "
            "it with a new key (see docs/configuration.md)."
        )
        raise KeyConfigurationError(msg)


@cache
def crypter() -> MultiFernet:
    """Return the MultiFernet that encrypts with the first configured key."""
    return MultiFernet([Fernet(key) for key in settings.VAULT_ENCRYPTION_KEYS])


def blind_index_keys() -> list[bytes]:
    """Return the blind-index keys, the current one first.

    The previous keys only serve lookups while indexes are being rewritten
    under the current key.
    """
    keys = [settings.VAULT_BLIND_INDEX_KEY, *settings.VAULT_BLIND_INDEX_PREVIOUS_KEYS]
    return [key.encode() for key in keys]


def token_key() -> bytes:
    """Return the key that signs opaque tokens."""
    return settings.VAULT_TOKEN_KEY.encode()


def reset_caches() -> None:
    """Forget cached key objects, after a test or a rotation changed settings."""
    crypter.cache_clear()
