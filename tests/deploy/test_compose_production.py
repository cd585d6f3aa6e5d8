"""docker-compose.prod.yml, and the container hardening of both compose files.

Checked without a Docker engine, like test_compose.py.
"""

import subprocess

import pytest

from tests.deploy.project_files import (
    COMPOSE_FILE,
    PRODUCTION_COMPOSE_FILE,
    REPO_ROOT,
    VENV_BIN,
    app_services,
    dockerignore_excludes,
    load_compose,
    required_variables,
    service_environment,
    settings_environment_reads,
)

DEPLOY_GUIDE = REPO_ROOT / "docs" / "deploy.md"
SECRETS_FOLDER = "/run/secrets/"
# Connection URLs carry passwords, so they come from secret files too.
SECRET_URLS = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}
APP_SERVICES = {"migrate", "web", "worker", "beat"}


@pytest.fixture(scope="module")
def production() -> dict:
    return load_compose(PRODUCTION_COMPOSE_FILE)


@pytest.fixture(scope="module", params=["local", "production"])
def any_compose(request) -> dict:
    path = {"local": COMPOSE_FILE, "production": PRODUCTION_COMPOSE_FILE}
    return load_compose(path[request.param])


def secret_variables() -> set[str]:
    _, secrets = settings_environment_reads()
    return secrets | SECRET_URLS | {"EMAIL_HOST_PASSWORD"}


def test_production_file_matches_compose_spec():
    result = subprocess.run(
        [
            str(VENV_BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(PRODUCTION_COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_runs_application_only(production):
    # PostgreSQL and Redis are managed services reached over TLS, so the
    # file defines no database or Redis container, and no port of theirs.
    assert set(production["services"]) == APP_SERVICES
    assert set(app_services(production)) == APP_SERVICES


def test_production_depends_on_defined_services(production):
    defined = set(production["services"])

    for name, service in production["services"].items():
        for dependency in service.get("depends_on", {}):
            assert dependency in defined, f"{name} depends on undefined {dependency}"


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_production_service_waits_for_migrate(production, name):
    dependencies = production["services"][name]["depends_on"]

    assert dependencies["migrate"]["condition"] == "service_completed_successfully"


def test_production_publishes_web_on_loopback(production):
    publishing = {
        name: service["ports"]
        for name, service in production["services"].items()
        if "ports" in service
    }

    assert set(publishing) == {"web"}
    for port in publishing["web"]:
        assert str(port).startswith("127.0.0.1:"), f"web publishes {port}"


def test_production_health_check_uses_liveness_path(production):
    healthcheck = production["services"]["web"]["healthcheck"]

    assert "http://127.0.0.1:8000/healthz/" in healthcheck["test"]


def test_app_services_read_only(any_compose):
    for name, service in app_services(any_compose).items():
        assert service.get("read_only") is True, f"{name} has a writable root"
        tmpfs = service.get("tmpfs", [])
        assert "/tmp" in tmpfs, f"{name} has no /tmp tmpfs"  # noqa: S108


def test_production_services_drop_privileges(production):
    for name, service in production["services"].items():
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name


def test_production_environment_is_production(production):
    for name, service in production["services"].items():
        environment = service_environment(service)
        assert environment["DJANGO_ENVIRONMENT"] == "production", name
        assert "DJANGO_DEBUG" not in environment, name
        assert "DJANGO_SECURE_COOKIES" not in environment, name


def test_production_secrets_come_from_files(production):
    declared = set(production["secrets"])

    for name, service in production["services"].items():
        environment = service_environment(service)
        mounted = set(service["secrets"])
        for variable in secret_variables():
            assert variable not in environment, f"{name} sets {variable} in clear"
            path = environment[f"{variable}_FILE"]
            assert path.startswith(SECRETS_FOLDER), f"{name}: {variable}_FILE"
            secret = path.removeprefix(SECRETS_FOLDER)
            assert secret in mounted, f"{name} does not mount {secret}"
            assert secret in declared, f"secret {secret} is not declared"


def test_secret_files_stay_out_of_image_and_git(production):
    gitignore = (REPO_ROOT / ".gitignore").read_text().splitlines()

    assert "/secrets/" in gitignore
    for secret in production["secrets"].values():
        path = secret["file"].removeprefix("./")
        assert path.startswith("secrets/"), path
        assert dockerignore_excludes(path), f".dockerignore lets {path} in"


def test_production_sets_required_settings(production):
    required, _ = settings_environment_reads()
    environment = service_environment(production["services"]["web"])

    for name in required | {"DATABASE_URL"}:
        assert name in environment or f"{name}_FILE" in environment, name


def test_required_variables_documented(production):
    guide = DEPLOY_GUIDE.read_text()
    variables = required_variables(PRODUCTION_COMPOSE_FILE)

    assert "SITE_URL" in variables
    for variable in variables:
        assert f"`{variable}`" in guide, f"docs/deploy.md does not name {variable}"
