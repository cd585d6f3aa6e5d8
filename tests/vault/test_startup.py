"""Start-up refuses missing and published keys, in a real process."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from vault import demo_keys

KEY_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "VAULT_ENCRYPTION_KEYS",
    "VAULT_BLIND_INDEX_KEY",
    "VAULT_TOKEN_KEY",
)
TEST_KEYS = {
    "DJANGO_SECRET_KEY": "TEST-ONLY-django-secret-key",
    "VAULT_ENCRYPTION_KEYS": "VEVTVC1PTkxZLWZpZWxkLWVuY3J5cHRpb24ta2V5LTE=",
    "VAULT_BLIND_INDEX_KEY": "TEST-ONLY-blind-index-key",
    "VAULT_TOKEN_KEY": "TEST-ONLY-token-key",
}


def run_check(**variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in KEY_VARIABLES and name != "DJANGO_DEBUG"
    }
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("missing", KEY_VARIABLES)
def test_missing_key_stops_start_up(missing):
    variables = {name: value for name, value in TEST_KEYS.items() if name != missing}

    result = run_check(**variables)

    assert result.returncode != 0
    assert f"The environment variable {missing} is missing" in result.stderr


def test_all_keys_start(db):
    result = run_check(**TEST_KEYS)

    assert result.returncode == 0, result.stderr


def test_demo_key_without_debug_stops_start_up():
    result = run_check(**(TEST_KEYS | {"VAULT_TOKEN_KEY": demo_keys.DEMO_TOKEN_KEY}))

    assert result.returncode != 0
    assert "A published demo key is configured while DEBUG is off" in result.stderr


def test_debug_starts_with_demo_keys(db):
    result = run_check(DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr
