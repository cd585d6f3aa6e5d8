"""The commands of docker-compose.yml, run natively against test servers.

No Docker engine runs here, so each test reads a service's command from the
compose file and runs the same program from the virtual environment. The
service's environment is pointed at the test database and at a Redis
database of its own. Every process starts in its own session and is stopped
by its process group id in a finally block.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import environ
import pytest
from celery import Celery

from tests.deploy.conftest import TEST_BROKER_URL, database_url_for
from tests.deploy.project_files import (
    REPO_ROOT,
    VENV_BIN,
    service_command,
    shell_steps,
)

# No task is ever sent to this queue, so the worker under test takes no task
# meant for the workers of other tests.
TEST_QUEUE = "deploy-tests"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20
COMMAND_TIMEOUT_SECONDS = 300
BEAT_RUN_SECONDS = 5
POLL_INTERVAL_SECONDS = 0.25
DATABASE_SETTINGS = [
    {"USER": "postgres", "PASSWORD": "", "HOST": "127.0.0.1", "PORT": 5432},
    {"USER": "app", "PASSWORD": "p@ss:/word", "HOST": "db.internal", "PORT": ""},
    # The embedded server of `make test` listens on a Unix socket.
    {"USER": "postgres", "PASSWORD": "", "HOST": "/srv/pg socket", "PORT": 5433},
    {"USER": "postgres", "PASSWORD": "", "HOST": "/srv/pg socket", "PORT": ""},
]


def native(argv: list[str]) -> list[str]:
    """Return ``argv`` with its program taken from the virtual environment."""
    program = sys.executable if argv[0] == "python" else str(VENV_BIN / argv[0])
    return [program, *argv[1:]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def replace_option(argv: list[str], option: str, value: str) -> list[str]:
    """Return ``argv`` with the value of ``option`` replaced.

    Both the ``--option value`` and the ``--option=value`` forms are found.
    """
    replaced = list(argv)
    for index, word in enumerate(replaced):
        if word == option:
            replaced[index + 1] = value
            return replaced
        if word.startswith(option + "="):
            replaced[index] = f"{option}={value}"
            return replaced
    pytest.fail(f"{option} not found in {argv}")


def stop(process: subprocess.Popen) -> None:
    """Send SIGTERM to the process group of ``process``, then SIGKILL if needed."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


@contextlib.contextmanager
def started(
    argv: list[str], *, environment: dict[str, str], log: Path
) -> Iterator[subprocess.Popen]:
    """Run ``argv`` in the background, its output going to ``log``."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop(process)


def run(argv: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(
        argv,
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, (
        f"{' '.join(argv)} exited with code {result.returncode}:\n"
        f"{result.stdout}{result.stderr}"
    )


def http_status(port: int) -> int | None:
    """Return the status of GET / on ``port``, or None if the request fails."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def wait_for_status(process: subprocess.Popen, port: int, log: Path) -> int:
    """Return the first HTTP status that the server on ``port`` sends."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"gunicorn exited with code {process.returncode}:\n{log_text(log)}"
            )
        status = http_status(port)
        if status is not None:
            return status
        time.sleep(POLL_INTERVAL_SECONDS)
    pytest.fail(f"gunicorn did not answer within {START_TIMEOUT_SECONDS} s")


def wait_for_ping(nodename: str, process: subprocess.Popen, log: Path) -> list:
    """Return the worker's replies to a control ping once it sends one."""
    client = Celery("deploy-tests", broker=TEST_BROKER_URL, set_as_current=False)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"the worker exited with code {process.returncode}:\n"
                    f"{log_text(log)}"
                )
            replies = client.control.ping(destination=[nodename], timeout=1.0)
            if replies:
                return replies
    finally:
        client.close()
    pytest.fail(f"the worker did not answer a ping within {START_TIMEOUT_SECONDS} s")


def wait_for_log_line(line: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            program = Path(process.args[0]).name
            pytest.fail(
                f"{program} exited with code {process.returncode}:\n{log_text(log)}"
            )
        if line in log_text(log):
            return
        time.sleep(POLL_INTERVAL_SECONDS)
    pytest.fail(f"{line!r} not logged within {START_TIMEOUT_SECONDS} s")


def log_text(log: Path) -> str:
    return log.read_text(errors="replace")


def test_web_command_serves_home_page(compose, app_environment, tmp_path):
    web = compose["services"]["web"]
    port = free_port()
    argv = replace_option(service_command(web), "--bind", f"127.0.0.1:{port}")
    # The health check as compose runs it, with the container's /app and
    # port 8000 translated to this checkout and the test port.
    healthcheck = [
        word.replace("/app/", f"{REPO_ROOT}/").replace(":8000/", f":{port}/")
        for word in web["healthcheck"]["test"][1:]
    ]
    log = tmp_path / "gunicorn.log"

    with started(native(argv), environment=app_environment, log=log) as process:
        status = wait_for_status(process, port, log)
        check = subprocess.run(
            native(healthcheck),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
        )

    assert status == 200, log_text(log)
    assert check.returncode == 0, check.stderr
    assert "Traceback" not in log_text(log)


def test_worker_command_replies_to_ping(compose, app_environment, tmp_path):
    nodename = f"deploy-test-{uuid.uuid4().hex}@localhost"
    argv = [
        *service_command(compose["services"]["worker"]),
        f"--hostname={nodename}",
        f"--queues={TEST_QUEUE}",
        "--concurrency=1",
        "--without-mingle",
        "--without-gossip",
    ]
    log = tmp_path / "worker.log"

    with started(native(argv), environment=app_environment, log=log) as process:
        replies = wait_for_ping(nodename, process, log)

    assert replies == [{nodename: {"ok": "pong"}}]
    assert process.returncode == 0, log_text(log)
    assert "Traceback" not in log_text(log)


def test_beat_command_keeps_running(compose, app_environment, tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    argv = replace_option(
        service_command(compose["services"]["beat"]), "--schedule", str(schedule)
    )
    log = tmp_path / "beat.log"

    with started(native(argv), environment=app_environment, log=log) as process:
        wait_for_log_line("beat: Starting...", process, log)
        time.sleep(BEAT_RUN_SECONDS)
        exit_code = process.poll()

    output = log_text(log)
    assert exit_code is None, f"beat exited with code {exit_code}:\n{output}"
    assert "Traceback" not in output
    # The shelve module may add a suffix, depending on its dbm back end.
    assert list(tmp_path.glob("celerybeat-schedule*")), output


def test_migrate_command_runs_twice(compose, app_environment):
    steps = shell_steps(service_command(compose["services"]["migrate"]))
    assert steps[0][:3] == ["python", "manage.py", "migrate"]

    # Every `docker compose up` runs the migrate service again, on a database
    # that already contains the demo data.
    for _ in range(2):
        for step in steps:
            run(native(step), app_environment)

    run(native(["python", "manage.py", "migrate", "--check"]), app_environment)


@pytest.mark.parametrize("settings", DATABASE_SETTINGS)
def test_database_url_round_trips(settings):
    settings = {**settings, "NAME": "test_secure onboarding"}

    parsed = environ.Env.db_url_config(database_url_for(settings))

    for key, value in settings.items():
        assert parsed[key] == value, key
