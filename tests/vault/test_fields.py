"""Encrypted fields: ciphertext at rest, loud failure on a wrong key."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from onboarding.models import Applicant, User
from vault import keys
from vault.exceptions import DecryptionError
from vault.fields import encrypt_text


@pytest.fixture
def other_key_settings(settings):
    """Replace the encryption keys with one that did not write the data."""
    settings.VAULT_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    keys.reset_caches()
    yield settings
    keys.reset_caches()


def stored_text(table: str, column: str, key_column: str, key: object) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "{column}" FROM "{table}" WHERE "{key_column}" = %s',  # noqa: S608
            [key],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_value_stored_as_ciphertext(submitted_applicant, canary):
    stored = stored_text(
        "onboarding_applicant", "legal_name", "reference", submitted_applicant.reference
    )

    assert canary.legal_name not in stored
    assert stored.startswith("gAAAA")


@pytest.mark.django_db
def test_value_round_trips(submitted_applicant, canary):
    loaded = Applicant.objects.get(pk=submitted_applicant.pk)

    assert loaded.legal_name == canary.legal_name
    assert loaded.national_id == canary.national_id
    assert loaded.date_of_birth.isoformat() == canary.date_of_birth


@pytest.mark.django_db
def test_wrong_key_raises_on_read(submitted_applicant, other_key_settings):
    with pytest.raises(DecryptionError, match="onboarding.Applicant.legal_name"):
        Applicant.objects.get(pk=submitted_applicant.pk)


@pytest.mark.django_db
def test_decryption_error_names_no_value(
    submitted_applicant, canary, other_key_settings
):
    with pytest.raises(DecryptionError) as raised:
        Applicant.objects.get(pk=submitted_applicant.pk)

    for value in canary.searchable_values().values():
        assert value not in str(raised.value)


@pytest.mark.django_db
def test_tampered_ciphertext_raises(submitted_applicant):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE onboarding_applicant SET city = %s WHERE reference = %s",
            ["not-a-fernet-token", submitted_applicant.reference],
        )

    with pytest.raises(DecryptionError, match="onboarding.Applicant.city"):
        Applicant.objects.get(pk=submitted_applicant.pk)


@pytest.mark.django_db
def test_old_key_still_decrypts(submitted_applicant, canary, settings):
    new_key = Fernet.generate_key().decode()
    settings.VAULT_ENCRYPTION_KEYS = [new_key, *settings.VAULT_ENCRYPTION_KEYS]
    keys.reset_caches()
    try:
        loaded = Applicant.objects.get(pk=submitted_applicant.pk)
    finally:
        keys.reset_caches()

    assert loaded.legal_name == canary.legal_name


def test_submitted_ciphertext_not_decrypted():
    """A Fernet token typed into a form stays the text that was typed."""
    token = encrypt_text("Hidden Value")
    field = Applicant._meta.get_field("legal_name")

    assert field.to_python(token) == token


def test_email_field_not_decrypted_on_input():
    token = encrypt_text("hidden@example.com")
    field = User._meta.get_field("email")

    assert field.to_python(token) == token
