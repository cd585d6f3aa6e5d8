"""AUDIT_CHAIN_KEY is validated with the vault's keys at start-up."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from vault import demo_keys
from vault.exceptions import KeyConfigurationError
from vault.keys import validate_keys

KEYS = {
    "DJANGO_SECRET_KEY": "TEST-ONLY-django-secret-key",
    "VAULT_ENCRYPTION_KEYS": "VEVTVC1PTkxZLWZpZWxkLWVuY3J5cHRpb24ta2V5LTE=",
    "VAULT_BLIND_INDEX_KEY": "TEST-ONLY-blind-index-key",
    "VAULT_TOKEN_KEY": "TEST-ONLY-token-key",
}


def test_missing_chain_key_stops_start_up():
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {*KEYS, "AUDIT_CHAIN_KEY", "DJANGO_DEBUG"}
    }
    environment.update(KEYS, DJANGO_SETTINGS_MODULE="config.settings.base")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "The environment variable AUDIT_CHAIN_KEY is missing" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("short", "AUDIT_CHAIN_KEY is shorter"),
        (demo_keys.DEMO_AUDIT_CHAIN_KEY, "published demo key"),
        ("TEST-ONLY-token-key-as-chain-key", "The same key appears twice"),
    ],
    ids=["short", "demo", "reused"],
)
def test_bad_chain_key_rejected(settings, value, message):
    settings.DEBUG = False
    settings.AUDIT_CHAIN_KEY = value
    if "twice" in message:
        settings.VAULT_TOKEN_KEY = value

    with pytest.raises(KeyConfigurationError, match=message):
        validate_keys()


def test_previous_chain_key_must_differ(settings):
    settings.AUDIT_CHAIN_PREVIOUS_KEYS = [settings.AUDIT_CHAIN_KEY]

    with pytest.raises(KeyConfigurationError, match="The same key appears twice"):
        validate_keys()
