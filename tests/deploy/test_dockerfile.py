"""The Dockerfile and .dockerignore, checked without a Docker engine."""

import base64
import binascii
import json
import re
import shlex
import subprocess
import sys

import pytest

from tests.deploy.project_files import (
    DOCKERFILE,
    REPO_ROOT,
    dockerfile_instructions,
    dockerignore_excludes,
    final_stage,
    service_command,
)
from vault.demo_keys import DEMO_KEYS

SECRET_NAME = re.compile(r"SECRET|KEY|TOKEN|PASSW|CREDENTIAL", re.IGNORECASE)
# A Fernet key: 32 bytes in URL-safe base64.
FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=")
ASSIGNMENT = re.compile(r"[A-Z_][A-Z0-9_]*=")
# Local state that must never reach the Docker daemon or an image layer.
LOCAL_STATE = [
    ".env",
    ".git/config",
    ".venv/bin/python",
    "var/pgdata/postgresql.conf",
    "staticfiles/css/site.css",
    "config/__pycache__/urls.cpython-311.pyc",
    "tests/conftest.py",
]


def variable_definitions() -> list[tuple[str, str]]:
    """Return every (name, value) that an ENV or ARG line defines."""
    definitions = []
    for instruction in dockerfile_instructions():
        if instruction.keyword not in {"ENV", "ARG"}:
            continue
        words = shlex.split(instruction.arguments)
        if instruction.keyword == "ENV" and "=" not in words[0]:
            # The legacy form ENV NAME value.
            definitions.append((words[0], " ".join(words[1:])))
            continue
        for word in words:
            name, _, value = word.partition("=")
            definitions.append((name, value))
    return definitions


def collectstatic_step() -> tuple[dict[str, str], list[str]]:
    """Return the variables and the command of the collectstatic RUN line."""
    runs = [
        instruction.arguments
        for instruction in dockerfile_instructions()
        if instruction.keyword == "RUN" and "collectstatic" in instruction.arguments
    ]
    assert len(runs) == 1, runs
    words = shlex.split(runs[0])
    variables = {}
    while words and ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        variables[name] = value
    return variables, words


def reads_as_build_only(value: str) -> bool:
    if "build-only" in value.lower():
        return True
    try:
        decoded = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        return False
    return b"build-only" in decoded.lower()


def test_final_user_numeric_not_root():
    users = [
        instruction.arguments
        for instruction in final_stage(dockerfile_instructions())
        if instruction.keyword == "USER"
    ]

    assert users, "the last stage has no USER line"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), f"USER {users[-1]} is not numeric"
    assert int(uid) != 0


def test_env_lines_carry_no_secret():
    definitions = variable_definitions()

    assert definitions, "the Dockerfile defines no ENV or ARG at all"
    for name, value in definitions:
        assert not SECRET_NAME.search(name), f"{name} looks like a secret"
        assert not FERNET_KEY.search(value), f"{name} holds a Fernet key"


def test_dockerfile_has_no_demo_key():
    text = DOCKERFILE.read_text()

    for key in DEMO_KEYS:
        assert key not in text


def test_build_only_values_look_fake():
    variables, _ = collectstatic_step()

    assert "DJANGO_SECRET_KEY" in variables
    for name, value in variables.items():
        assert reads_as_build_only(value), f"{name} does not read as build-only"
        assert value not in DEMO_KEYS


def test_collectstatic_step_runs_natively(tmp_path):
    variables, command = collectstatic_step()
    assert command[:3] == ["python", "manage.py", "collectstatic"]
    environment = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO_ROOT),
        "HOME": str(tmp_path),
        **variables,
    }

    # --dry-run loads settings and runs the finders, which is what the
    # fake values are for, and writes nothing into the working tree.
    result = subprocess.run(
        [sys.executable, *command[1:], "--dry-run"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_image_health_checked(compose):
    keywords = {instruction.keyword for instruction in dockerfile_instructions()}

    assert "HEALTHCHECK" in keywords or "healthcheck" in compose["services"]["web"]


def test_cmd_matches_compose_web_command(compose):
    commands = [
        instruction.arguments
        for instruction in final_stage(dockerfile_instructions())
        if instruction.keyword == "CMD"
    ]

    assert len(commands) == 1
    assert json.loads(commands[0]) == service_command(compose["services"]["web"])


def test_copied_paths_reach_build_context():
    sources = []
    for instruction in dockerfile_instructions():
        if instruction.keyword != "COPY" or "--from=" in instruction.arguments:
            continue
        sources.extend(shlex.split(instruction.arguments)[:-1])

    assert "manage.py" in sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), f"{source} does not exist"
        assert not dockerignore_excludes(source), f".dockerignore excludes {source}"


@pytest.mark.parametrize("path", LOCAL_STATE)
def test_dockerignore_excludes_local_state(path):
    assert dockerignore_excludes(path)


def test_every_project_app_copied():
    copied = {
        shlex.split(instruction.arguments)[0]
        for instruction in final_stage(dockerfile_instructions())
        if instruction.keyword == "COPY" and "--from=" not in instruction.arguments
    }
    apps = {path.parent.name for path in REPO_ROOT.glob("*/apps.py")}

    # The settings install every app, so an image without one fails to start.
    assert {"vault", "audit", "onboarding"} <= apps
    for app in apps:
        assert app in copied, f"the Dockerfile does not copy {app}/"
