"""Errors raised by the vault.

Messages name models, fields and settings, never a protected value or a key.
"""

from django.core.exceptions import ImproperlyConfigured


class VaultError(Exception):
    """Base class for every vault error."""


class KeyConfigurationError(VaultError, ImproperlyConfigured):
    """A vault key setting is missing, malformed, repeated or published."""


class DecryptionError(VaultError):
    """A stored ciphertext does not decrypt with any configured key."""

    def __init__(self, *, field_label: str, primary_key: object = None) -> None:
        self.field_label = field_label
        self.primary_key = primary_key
        row = (
            "" if primary_key is None else f" in the row with primary key {primary_key}"
        )
        super().__init__(
            f"The value of {field_label}{row} does not decrypt with any key in "
            "VAULT_ENCRYPTION_KEYS. Add the key it was written with to the list."
        )
