import os
from typing import Any
from urllib.parse import quote

import pytest

from tests.deploy.project_files import (
    REPO_ROOT,
    VENV_BIN,
    load_compose,
    service_environment,
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
