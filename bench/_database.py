"""Set up Django against a dedicated benchmark database."""

import os
import sys
from pathlib import Path

import psycopg

PROJECT = Path(__file__).resolve().parents[1]
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")

BENCH_KEYS = {
    "DJANGO_SECRET_KEY": "BENCH-ONLY-django-secret-key",
    "VAULT_BLIND_INDEX_KEY": "BENCH-ONLY-blind-index-key",
    "VAULT_TOKEN_KEY": "BENCH-ONLY-token-key",
    "AUDIT_CHAIN_KEY": "BENCH-ONLY-audit-chain-key",
}


def bench_environment(database: str, **extra: str) -> dict[str, str]:
    """Return the environment a benchmark process runs Django with."""
    environment = dict(os.environ)
    environment.update(BENCH_KEYS)
    environment.update(
        DATABASE_URL=f"{SERVER_URL}/{database}",
        DJANGO_SETTINGS_MODULE="config.settings.base",
        **extra,
    )
    return environment


def recreate_database(database: str) -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')


def setup_django(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
