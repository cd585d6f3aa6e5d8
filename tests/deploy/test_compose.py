"""docker-compose.yml, checked without a Docker engine."""

import subprocess
from urllib.parse import urlsplit

import environ
import pytest

from tests.deploy.project_files import (
    COMPOSE_FILE,
    VENV_BIN,
    app_services,
    dockerfile_instructions,
    final_stage,
    service_environment,
    settings_environment_reads,
)

ROOT_USERS = {"root", "0"}
# The services that are reachable from the host: the application and the
# mail catcher's web page.
PUBLISHING_SERVICES = {"web", "mailpit"}


def test_compose_file_matches_compose_spec():
    result = subprocess.run(
        [
            str(VENV_BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_depends_on_names_defined_services(compose):
    defined = set(compose["services"])

    for name, service in compose["services"].items():
        for dependency in service.get("depends_on", {}):
            assert dependency in defined, f"{name} depends on undefined {dependency}"


def test_healthy_condition_needs_healthcheck(compose):
    services = compose["services"]
    checked = 0

    for name, service in services.items():
        dependencies = service.get("depends_on", {})
        if isinstance(dependencies, list):
            continue
        for dependency, options in dependencies.items():
            if options.get("condition") != "service_healthy":
                continue
            checked += 1
            assert "healthcheck" in services[dependency], (
                f"{name} waits for {dependency} to be healthy, "
                f"but {dependency} has no healthcheck"
            )

    assert checked > 0


def test_web_waits_for_migrate(compose):
    dependencies = compose["services"]["web"]["depends_on"]

    assert dependencies["migrate"]["condition"] == "service_completed_successfully"
    assert dependencies["db"]["condition"] == "service_healthy"
    assert dependencies["redis"]["condition"] == "service_healthy"


def test_web_has_healthcheck(compose):
    healthcheck = compose["services"]["web"]["healthcheck"]

    assert "http://127.0.0.1:8000/" in healthcheck["test"]


@pytest.mark.parametrize("name", ["db", "redis"])
def test_backing_service_publishes_no_ports(compose, name):
    assert "ports" not in compose["services"][name]


def test_only_web_and_mailpit_publish_ports(compose):
    publishing = {
        name for name, service in compose["services"].items() if "ports" in service
    }

    assert publishing == PUBLISHING_SERVICES


def test_published_ports_bind_loopback(compose):
    for name in PUBLISHING_SERVICES:
        for port in compose["services"][name]["ports"]:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"


def test_app_services_not_root(compose):
    services = app_services(compose)
    users = [
        instruction.arguments
        for instruction in final_stage(dockerfile_instructions())
        if instruction.keyword == "USER"
    ]

    assert set(services) == {"migrate", "web", "worker", "beat"}
    assert users, "the Dockerfile's last stage has no USER line"
    assert users[-1].split(":")[0] not in ROOT_USERS
    for name, service in services.items():
        user = str(service.get("user", ""))
        assert user.split(":")[0] not in ROOT_USERS, f"{name} runs as {user}"


def test_app_services_share_environment(compose):
    environments = {
        name: service_environment(service)
        for name, service in app_services(compose).items()
    }

    for name, environment in environments.items():
        assert environment == environments["web"], f"{name} differs from web"


def test_required_settings_variables_set(compose):
    required, secrets = settings_environment_reads()
    environment = service_environment(compose["services"]["web"])
    debug = environ.Env.parse_value(environment.get("DJANGO_DEBUG", "false"), bool)

    # The reader still finds the settings' secrets, so an empty result
    # cannot pass this test by accident.
    assert "DJANGO_SECRET_KEY" in secrets
    assert "VAULT_TOKEN_KEY" in secrets
    for name in required:
        assert name in environment, f"settings require {name}"
    for name in secrets:
        assert name in environment or debug, f"{name} is missing and DEBUG is off"
    # Without DATABASE_URL the settings start an embedded PostgreSQL server
    # inside the container instead of using the db service.
    assert "DATABASE_URL" in environment


def test_service_urls_name_compose_services(compose):
    services = compose["services"]
    environment = service_environment(services["web"])
    database = urlsplit(environment["DATABASE_URL"])
    db_environment = service_environment(services["db"])

    assert database.hostname == "db"
    assert database.username == db_environment["POSTGRES_USER"]
    assert database.password == db_environment["POSTGRES_PASSWORD"]
    assert database.path == "/" + db_environment["POSTGRES_DB"]
    assert urlsplit(environment["CELERY_BROKER_URL"]).hostname == "redis"
    assert environment["EMAIL_HOST"] == "mailpit"
    assert environment["EMAIL_PORT"] == "1025"
