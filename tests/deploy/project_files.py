"""Readers for docker-compose.yml, the Dockerfile and .dockerignore."""

import ast
import re
import shlex
import sys
from pathlib import Path
from typing import Any, NamedTuple

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
PRODUCTION_COMPOSE_FILE = REPO_ROOT / "docker-compose.prod.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
SETTINGS_FILE = REPO_ROOT / "config" / "settings" / "base.py"
# The console scripts (gunicorn, celery, check-jsonschema) of the virtual
# environment that runs the tests.
VENV_BIN = Path(sys.executable).parent


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


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


# Compose's interpolation forms: ${NAME}, ${NAME:-default} and
# ${NAME:?error message}.
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::(?P<kind>[-?])(?P<rest>[^}]*))?\}")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Replace compose's ``${...}`` forms in ``value`` as compose does.

    A ``${NAME:?message}`` whose variable is missing or empty raises
    KeyError, as it stops ``docker compose`` with that message.
    """

    def replacement(match: re.Match[str]) -> str:
        name, kind, rest = match["name"], match["kind"], match["rest"]
        if variables.get(name):
            return variables[name]
        if kind == "-":
            return rest
        if kind == "?":
            msg = f"{name}: {rest}"
            raise KeyError(msg)
        return ""

    return INTERPOLATION.sub(replacement, value)


def required_variables(path: Path) -> set[str]:
    """Return the variables that a compose file requires with ``${NAME:?}``."""
    return {
        match["name"]
        for match in INTERPOLATION.finditer(path.read_text())
        if match["kind"] == "?"
    }


def settings_environment_reads() -> tuple[set[str], set[str]]:
    """Return the variables that config/settings/base.py requires.

    The first set contains the variables read with no default and no
    ``"NAME" in env`` test around them. The second contains the secrets read
    through ``_secret``, which fall back to the demo keys while DEBUG is on.
    A default counts only when passed as the ``default`` keyword, so a
    positional default shows up as required.
    """
    tree = ast.parse(SETTINGS_FILE.read_text())
    tested = {
        node.left.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.ops[0], ast.In)
        and isinstance(node.comparators[0], ast.Name)
        and node.comparators[0].id == "env"
    }
    required, secrets = set(), set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        if not isinstance(node.args[0], ast.Constant):
            continue
        name = node.args[0].value
        function = node.func
        if isinstance(function, ast.Name) and function.id == "_secret":
            secrets.add(name)
        elif (
            isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and function.value.id == "env"
            and not any(keyword.arg == "default" for keyword in node.keywords)
            and name not in tested
        ):
            required.add(name)
    return required, secrets


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
