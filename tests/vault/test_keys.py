"""Start-up validation of the vault's keys."""

import pytest
from cryptography.fernet import Fernet

from vault import demo_keys
from vault.exceptions import KeyConfigurationError
from vault.keys import validate_keys


@pytest.fixture
def good_keys(settings):
    settings.DEBUG = False
    settings.VAULT_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.VAULT_BLIND_INDEX_KEY = "TEST-ONLY-blind-index-key-a"
    settings.VAULT_TOKEN_KEY = "TEST-ONLY-token-key-b"
    return settings


def test_good_keys_pass(good_keys):
    validate_keys()


def test_empty_encryption_keys_rejected(good_keys):
    good_keys.VAULT_ENCRYPTION_KEYS = []

    with pytest.raises(KeyConfigurationError, match="VAULT_ENCRYPTION_KEYS is empty"):
        validate_keys()


def test_malformed_encryption_key_rejected(good_keys):
    good_keys.VAULT_ENCRYPTION_KEYS = [*good_keys.VAULT_ENCRYPTION_KEYS, "not-a-key"]

    with pytest.raises(
        KeyConfigurationError, match="Key number 2 in VAULT_ENCRYPTION_KEYS"
    ):
        validate_keys()


def test_short_blind_index_key_rejected(good_keys):
    good_keys.VAULT_BLIND_INDEX_KEY = "short"

    with pytest.raises(KeyConfigurationError, match="VAULT_BLIND_INDEX_KEY is shorter"):
        validate_keys()


def test_repeated_key_rejected(good_keys):
    good_keys.VAULT_TOKEN_KEY = good_keys.VAULT_BLIND_INDEX_KEY

    with pytest.raises(KeyConfigurationError, match="The same key appears twice"):
        validate_keys()


def test_demo_key_rejected_without_debug(good_keys):
    good_keys.VAULT_ENCRYPTION_KEYS = [demo_keys.DEMO_ENCRYPTION_KEY]

    with pytest.raises(KeyConfigurationError, match="published demo key"):
        validate_keys()


def test_demo_key_accepted_with_debug(good_keys):
    good_keys.DEBUG = True
    good_keys.VAULT_ENCRYPTION_KEYS = [demo_keys.DEMO_ENCRYPTION_KEY]

    validate_keys()


def test_error_message_shows_no_key(good_keys):
    good_keys.VAULT_ENCRYPTION_KEYS = ["not-a-key-but-secret-text"]

    with pytest.raises(KeyConfigurationError) as raised:
        validate_keys()

    assert "not-a-key-but-secret-text" not in str(raised.value)


def test_demo_secret_key_rejected_without_debug(good_keys):
    good_keys.SECRET_KEY = demo_keys.DEMO_SECRET_KEY

    with pytest.raises(KeyConfigurationError, match="published demo key"):
        validate_keys()
