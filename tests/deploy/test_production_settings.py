"""The production settings profile, loaded in subprocesses.

Settings are read once, when Django starts, so each test runs manage.py
with the environment of docker-compose.prod.yml's web service, pointed at
this run's TLS servers, and changes one variable at a time.
"""

import subprocess
import sys

import pytest

from tests.deploy.project_files import REPO_ROOT

COMMAND_TIMEOUT_SECONDS = 120
DEBUG_REJECTED = "DJANGO_DEBUG cannot be on when DJANGO_ENVIRONMENT is"
SSLMODE_REJECTED = "allows an unencrypted database connection"


def manage(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def test_check_deploy_reports_no_warning(production_environment):
    # --database runs the database checks too, over a TLS connection.
    result = manage(
        production_environment,
        "check",
        "--deploy",
        "--database",
        "default",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode == 0, output(result)
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in output(result)


def test_check_deploy_warns_in_development(production_environment):
    # The same environment, labelled development, drops the hardening, so
    # the check above cannot pass whatever the settings are.
    environment = {**production_environment, "DJANGO_ENVIRONMENT": "development"}

    result = manage(environment, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W004" in output(result)
    assert "security.W008" in output(result)


@pytest.mark.parametrize("environment_name", ["production", "staging"])
def test_debug_rejected_when_deployed(production_environment, environment_name):
    environment = {
        **production_environment,
        "DJANGO_ENVIRONMENT": environment_name,
        "DJANGO_DEBUG": "true",
    }

    result = manage(environment, "check")

    assert result.returncode != 0
    assert DEBUG_REJECTED in output(result)


def test_unknown_environment_rejected(production_environment):
    environment = {**production_environment, "DJANGO_ENVIRONMENT": "prod"}

    result = manage(environment, "check")

    assert result.returncode != 0
    assert "DJANGO_ENVIRONMENT must be one of" in output(result)


def test_missing_database_url_rejected(production_environment):
    environment = dict(production_environment)
    del environment["DATABASE_URL_FILE"]

    result = manage(environment, "check")

    assert result.returncode != 0
    assert "DATABASE_URL is missing" in output(result)


def test_plain_http_site_url_rejected(production_environment):
    environment = {**production_environment, "SITE_URL": "http://example.com"}

    result = manage(environment, "check")

    assert result.returncode != 0
    assert "SITE_URL must start with https://" in output(result)


@pytest.mark.parametrize("sslmode", ["disable", "allow", "prefer"])
def test_plaintext_sslmode_rejected(production_environment, tmp_path, sslmode):
    url_file = tmp_path / "database_url"
    url_file.write_text(f"postgres://postgres@127.0.0.1:5432/h6?sslmode={sslmode}")
    environment = {**production_environment, "DATABASE_URL_FILE": str(url_file)}

    result = manage(environment, "check")

    assert result.returncode != 0
    assert SSLMODE_REJECTED in output(result)


def test_server_without_tls_rejected(production_environment, tmp_path):
    # The machine's own PostgreSQL speaks plain text only. Without sslmode
    # in the URL, the production settings ask for verify-full, so libpq
    # gives up before sending any credential or query.
    url_file = tmp_path / "database_url"
    url_file.write_text("postgres://postgres@127.0.0.1:5432/postgres")
    environment = {**production_environment, "DATABASE_URL_FILE": str(url_file)}

    result = manage(environment, "migrate", "--check")

    assert result.returncode != 0
    assert "server does not support SSL" in output(result)
