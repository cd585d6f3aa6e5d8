"""Readers for docker-compose.yml, the Dockerfile and .dockerignore."""

import re
import shlex
import sys
from pathlib import Path
from typing import Any, NamedTuple

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
SETTINGS_FILE = REPO_ROOT / "config" / "settings" / "base.py"
# The console scripts (gunicorn, celery, check-jsonschema) of the virtual
# environment that runs the tests.
VENV_BIN = Path(sys.executable).parent


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the services that run the image built from our Dockerfile."""
    return {
        name: service
        for name, service in compose["services"].items()
        if "build" in service
    }


def service_environment(service: dict[str, Any]) -> dict[str, str]:
    """Return a service's environment as strings, from either compose form."""
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {name: str(value) for name, value in environment.items()}


def service_command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    if isinstance(command, str):
        return shlex.split(command)
    return [str(part) for part in command]


def shell_steps(command: list[str]) -> list[list[str]]:
    """Split a ``sh -c "a && b"`` command into the argument lists a and b."""
    assert command[:2] == ["sh", "-c"], f"expected sh -c, got {command}"
    return [shlex.split(step) for step in command[2].split("&&")]


class Instruction(NamedTuple):
    keyword: str
    arguments: str


def dockerfile_instructions() -> list[Instruction]:
    """Parse the Dockerfile into instructions, joining continued lines."""
    instructions = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    """Return the instructions of the last stage, the one that is shipped."""
    last_from = max(
        index
        for index, instruction in enumerate(instructions)
        if instruction.keyword == "FROM"
    )
    return instructions[last_from:]


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """Translate a .dockerignore pattern into a regular expression.

    Docker matches with Go's filepath.Match, extended so that ``**``
    matches any number of folders, zero included.
    """
    pattern = pattern.strip("/")
    parts = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        elif pattern[index] == "[":
            end = pattern.index("]", index)
            parts.append(pattern[index : end + 1])
            index = end + 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts))


def dockerignore_excludes(path: str) -> bool:
    """Return whether .dockerignore keeps ``path`` out of the build context.

    As in Docker, a pattern applies to a path when it matches the path or
    one of its parent folders, and the last pattern that applies wins.
    """
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    excluded = False
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        regex = _dockerignore_regex(line.removeprefix("!"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = not negated
    return excluded
