"""Encrypted model fields that fail closed.

They build on django-encrypted-model-fields (0.6.5), which has two unsafe
habits: a value that does not decrypt is returned as the stored ciphertext,
and ``to_python`` decrypts any Fernet token a user submits through a form.
These fields raise DecryptionError for the first and never decrypt user
input. They encrypt and decrypt through ``vault.keys.crypter()``, so a key
change in settings takes effect without re-importing the library.

A value that does not decrypt loads as an UndecryptableValue, which raises
DecryptionError as soon as it is used. For a model instance the error is
raised at once, naming the row's primary key, by a post_init receiver that
the vault connects for every model with an encrypted field.
"""

from typing import Any, NoReturn

from cryptography.fernet import InvalidToken
from django.db import models
from encrypted_model_fields import fields as library

from vault.exceptions import DecryptionError
from vault.keys import crypter


def encrypt_text(plaintext: str) -> str:
    """Encrypt ``plaintext`` with the current key and return the token text."""
    return crypter().encrypt(plaintext.encode()).decode()


def decrypt_text(token: str, *, field_label: str) -> str:
    """Decrypt ``token`` or raise DecryptionError naming ``field_label``."""
    try:
        return crypter().decrypt(token.encode()).decode()
    except (InvalidToken, UnicodeError) as error:
        raise DecryptionError(field_label=field_label) from error


class UndecryptableValue:
    """Stands in for a stored value that no configured key decrypts.

    Turning it into text, comparing it or testing its truth raises
    DecryptionError, so it can never be shown or passed on as if it were
    the value.
    """

    def __init__(self, field_label: str) -> None:
        self.field_label = field_label

    def _fail(self, *args: object) -> NoReturn:
        raise DecryptionError(field_label=self.field_label)

    __str__ = __format__ = __bool__ = __eq__ = __hash__ = __len__ = _fail

    def __repr__(self) -> str:
        return f"<undecryptable value of {self.field_label}>"


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    """Return the concrete encrypted fields of ``model``."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, StrictEncryptedMixin)
    ]


def raise_on_undecryptable(
    sender: type[models.Model], instance: models.Model, **kwargs: Any
) -> None:
    """Raise DecryptionError, naming the primary key, for a loaded instance."""
    for field in encrypted_fields(sender):
        value = instance.__dict__.get(field.attname)
        if isinstance(value, UndecryptableValue):
            raise DecryptionError(
                field_label=value.field_label, primary_key=instance.pk
            )


class StrictEncryptedMixin(library.EncryptedMixin):
    """Encrypt on save, decrypt on load, and raise on anything undecryptable."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        try:
            plaintext = decrypt_text(value, field_label=self._label())
        except DecryptionError:
            return UndecryptableValue(self._label())
        return self._plain_to_python(plaintext)

    def to_python(self, value: Any) -> Any:
        # Values reaching to_python come from forms, fixtures and
        # deserializers, never from the database, so they are plaintext.
        return self._plain_to_python(value)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        value = models.Field.get_db_prep_save(self, value, connection)
        if value is None:
            return None
        return encrypt_text(str(value))

    def _plain_to_python(self, value: Any) -> Any:
        # Skip the library's to_python, which would try to decrypt.
        return super(library.EncryptedMixin, self).to_python(value)

    def _label(self) -> str:
        return f"{self.model._meta.label}.{self.name}"


class EncryptedCharField(StrictEncryptedMixin, models.CharField):
    pass


class EncryptedTextField(StrictEncryptedMixin, models.TextField):
    pass


class EncryptedEmailField(StrictEncryptedMixin, models.EmailField):
    pass


class EncryptedDateField(StrictEncryptedMixin, models.DateField):
    pass
