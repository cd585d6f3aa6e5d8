"""The helpers that the settings use: secret files and TLS options."""

import ssl

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.middleware import permissions_policy_header
from config.secret_files import secret_file_env
from config.tls import database_tls_options, redis_tls_options


def test_secret_file_wins_over_variable(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("TEST-ONLY-from-file\n")
    monkeypatch.setenv("H6_EXAMPLE_KEY", "TEST-ONLY-from-variable")
    monkeypatch.setenv("H6_EXAMPLE_KEY_FILE", str(secret))

    env = secret_file_env()

    assert "H6_EXAMPLE_KEY" in env
    assert env.str("H6_EXAMPLE_KEY") == "TEST-ONLY-from-file"


def test_secret_file_keeps_inner_newlines(monkeypatch, tmp_path):
    secret = tmp_path / "keys"
    secret.write_text("TEST-ONLY-first,TEST-ONLY-second\r\n")
    monkeypatch.setenv("H6_EXAMPLE_KEYS_FILE", str(secret))

    env = secret_file_env()

    assert env.list("H6_EXAMPLE_KEYS") == ["TEST-ONLY-first", "TEST-ONLY-second"]


def test_variable_read_as_is_without_file(monkeypatch):
    monkeypatch.setenv("H6_EXAMPLE_KEY", "TEST-ONLY-value\n")
    monkeypatch.delenv("H6_EXAMPLE_KEY_FILE", raising=False)

    assert secret_file_env().str("H6_EXAMPLE_KEY") == "TEST-ONLY-value\n"


def test_missing_secret_file_raises(monkeypatch, tmp_path):
    monkeypatch.setenv("H6_EXAMPLE_KEY_FILE", str(tmp_path / "absent"))

    with pytest.raises(FileNotFoundError):
        secret_file_env().str("H6_EXAMPLE_KEY")


def test_database_tls_defaults_to_verify_full():
    options = database_tls_options({"connect_timeout": "5"})

    assert options == {"connect_timeout": "5", "sslmode": "verify-full"}


@pytest.mark.parametrize("sslmode", ["require", "verify-ca", "verify-full"])
def test_database_tls_keeps_encrypted_mode(sslmode):
    assert database_tls_options({"sslmode": sslmode})["sslmode"] == sslmode


@pytest.mark.parametrize("sslmode", ["disable", "allow", "prefer", "verify"])
def test_database_tls_rejects_plaintext_mode(sslmode):
    with pytest.raises(ImproperlyConfigured, match="unencrypted database"):
        database_tls_options({"sslmode": sslmode})


def test_redis_tls_always_verifies():
    assert redis_tls_options("") == {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    assert redis_tls_options("/run/secrets/redis_ca")["ssl_ca_certs"] == (
        "/run/secrets/redis_ca"
    )


def test_permissions_policy_header_format():
    header = permissions_policy_header({"camera": [], "fullscreen": ["self"]})

    assert header == "camera=(), fullscreen=(self)"
