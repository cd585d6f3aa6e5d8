import os
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet

from tests.deploy.project_files import (
    PRODUCTION_COMPOSE_FILE,
    REPO_ROOT,
    VENV_BIN,
    interpolate,
    load_compose,
    service_environment,
)
from tests.deploy.tls_servers import (
    Certificates,
    make_certificates,
    tls_postgres,
    tls_redis,
)

# Redis database 14 is reserved for these tests, so their workers and control
# messages stay apart from the broker traffic of other tests.
TEST_BROKER_URL = "redis://127.0.0.1:6379/14"
# Variables of the test process that the commands need to run at all. The
# rest, such as DJANGO_SETTINGS_MODULE and the test keys that the test
# settings export, is left out so that each command loads settings the way
# it does in its container.
PASSED_THROUGH = ("HOME", "LANG", "LC_ALL", "TMPDIR")


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return load_compose()


def database_url_for(settings: dict[str, Any]) -> str:
    """Return the DATABASE_URL that django-environ reads back as ``settings``."""
    credentials = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = settings["HOST"] or ""
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    name = quote(settings["NAME"], safe="")
    if host.startswith("/"):
        # django-environ reads a Unix socket folder, such as the one of the
        # embedded server, from a percent-encoded first path segment.
        return f"postgres://{credentials}@{port}/{quote(host, safe='')}/{name}"
    return f"postgres://{credentials}@{host}{port}/{name}"


@pytest.fixture
def database_url(django_db_serialized_rollback, transactional_db) -> str:
    """Return a DATABASE_URL for the test database of this pytest run.

    The test is transactional, so rows that a command commits from another
    process are flushed after the test. Serialized rollback then restores
    the rows that migrations created, for the tests that run afterwards.
    """
    from django.db import connection

    return database_url_for(connection.settings_dict)


@pytest.fixture
def app_environment(compose, database_url) -> dict[str, str]:
    """Return the web service's environment, pointed at local test servers."""
    environment = service_environment(compose["services"]["web"])
    environment.update(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=TEST_BROKER_URL,
        # Traffic stays on this machine: no host named mailpit exists here.
        EMAIL_HOST="127.0.0.1",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        # The image sets PYTHONPATH=/app, its copy of this folder.
        PYTHONPATH=str(REPO_ROOT),
    )
    for name in PASSED_THROUGH:
        if name in os.environ:
            environment[name] = os.environ[name]
    return environment


# Values for the ${...} variables of docker-compose.prod.yml. Mail goes to
# 127.0.0.1, where nothing is sent during these tests.
PRODUCTION_VARIABLES = {
    "DJANGO_ALLOWED_HOSTS": "onboarding.example.com",
    "SITE_URL": "https://onboarding.example.com",
    "EMAIL_HOST": "127.0.0.1",
    "DEFAULT_FROM_EMAIL": "onboarding@example.com",
}
SECRETS_FOLDER = "/run/secrets/"


@pytest.fixture(scope="session")
def tls_certificates(tmp_path_factory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def tls_database_port(tls_certificates) -> Iterator[int]:
    with tls_postgres(tls_certificates) as port:
        yield port


@pytest.fixture(scope="session")
def tls_redis_port(tls_certificates, tmp_path_factory) -> Iterator[int]:
    with tls_redis(tls_certificates, tmp_path_factory.mktemp("redis")) as port:
        yield port


@pytest.fixture(scope="session")
def production_secrets(
    tmp_path_factory, tls_certificates, tls_database_port, tls_redis_port
) -> dict[str, str]:
    """Return the value of each secret file that docker-compose.prod.yml mounts.

    The keys are new for every run and read as test-only. The URLs point at
    this run's TLS servers, with the certificate authority made for it.
    """
    ca_file = tls_certificates.ca_file
    redis_url = f"rediss://127.0.0.1:{tls_redis_port}"
    return {
        "django_secret_key": f"TEST-ONLY-{secrets.token_urlsafe(32)}",
        "vault_encryption_keys": Fernet.generate_key().decode(),
        "vault_blind_index_key": f"TEST-ONLY-{secrets.token_urlsafe(32)}",
        "vault_token_key": f"TEST-ONLY-{secrets.token_urlsafe(32)}",
        "audit_chain_key": f"TEST-ONLY-{secrets.token_urlsafe(32)}",
        "database_url": (
            f"postgres://postgres@127.0.0.1:{tls_database_port}/postgres"
            f"?sslmode=verify-full&sslrootcert={ca_file}"
        ),
        "celery_broker_url": f"{redis_url}/0",
        "cache_url": f"{redis_url}/1",
        "email_host_password": "",
    }


@pytest.fixture(scope="session")
def production_environment(
    tmp_path_factory, production_secrets, tls_certificates
) -> dict[str, str]:
    """Return the web service's production environment, run natively.

    Each /run/secrets/ path becomes a file of this run, written with a final
    newline as ``echo`` would write it. The environment contains no secret.
    """
    folder = tmp_path_factory.mktemp("secrets")
    web = load_compose(PRODUCTION_COMPOSE_FILE)["services"]["web"]
    environment = {}
    for name, value in service_environment(web).items():
        value = interpolate(value, PRODUCTION_VARIABLES)
        if value.startswith(SECRETS_FOLDER):
            secret = value.removeprefix(SECRETS_FOLDER)
            path = folder / secret
            path.write_text(production_secrets[secret] + "\n")
            value = str(path)
        environment[name] = value
    environment.update(
        # The compose file leaves this unset for managed Redis services,
        # whose certificates chain to the system's authorities.
        REDIS_TLS_CA_FILE=str(tls_certificates.ca_file),
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONPATH=str(REPO_ROOT),
    )
    for name in PASSED_THROUGH:
        if name in os.environ:
            environment[name] = os.environ[name]
    return environment
