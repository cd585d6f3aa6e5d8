"""Rate limits under load, against gunicorn on 127.0.0.1.

Two gunicorn workers serve the test database and count in the test run's
Redis cache. The server trusts one proxy at 127.0.0.1, so the client sets
X-Forwarded-For to act as many client addresses from one machine. A burst
of sign-ups from one address must be cut to the limit, counted across both
worker processes, while a steady flow from 50 other addresses passes, and
no request may end in a server error.
"""

import http.client
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest

from audit.models import SecurityEvent
from detection.middleware import RATE_LIMIT_EXCEEDED
from tests.deploy.conftest import database_url_for
from tests.deploy.test_compose_commands import (
    free_port,
    log_text,
    started,
    wait_for_status,
)

pytestmark = [pytest.mark.load, pytest.mark.django_db(transaction=True)]

BURST_ADDRESS = "203.0.113.50"
BURST_ATTEMPTS = 2000
STEADY_ADDRESSES = [f"198.51.100.{number}" for number in range(1, 51)]
STEADY_ROUNDS = 4
CLIENT_THREADS = 8
REQUEST_TIMEOUT_SECONDS = 30
SIGN_UP_PER_ADDRESS = 20
# A day-long window, so that the burst, which takes seconds, does not
# straddle two windows and get twice the allowance.
WINDOW_SECONDS = 86_400
PASSWORD = "load-test-passphrase-1"  # noqa: S105 - a throwaway test value
VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def server_port(
    django_db_serialized_rollback, transactional_db, tmp_path
) -> Iterator[int]:
    """Start gunicorn on the test database and return its port."""
    from django.db import connection

    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "TRUSTED_PROXY_COUNT": "1",
        "TRUSTED_PROXY_IPS": "127.0.0.1",
        "DETECTION_RATE_LIMITS": json.dumps(
            {"onboarding:sign-up": {"ip": [SIGN_UP_PER_ADDRESS, WINDOW_SECONDS]}}
        ),
    }
    argv = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--workers=2",
        f"--timeout={REQUEST_TIMEOUT_SECONDS}",
    ]
    log = tmp_path / "gunicorn.log"
    with started(argv, environment=environment, log=log) as process:
        wait_for_status(process, port, log)
        yield port
    assert "Traceback" not in log_text(log), log_text(log)


def csrf_token(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/sign-up/")
        response = connection.getresponse()
        response.read()
        cookie = response.getheader("Set-Cookie", "")
    finally:
        connection.close()
    match = re.search(r"csrftoken=(\w+)", cookie)
    assert match, "the sign-up page set no CSRF cookie"
    return match.group(1)


def sign_up(port: int, token: str, client_address: str, number: int) -> int:
    """Send one sign-up as ``client_address`` and return the status."""
    body = urlencode(
        {
            "csrfmiddlewaretoken": token,
            "email": f"load.{number}@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={token}",
        "X-Forwarded-For": client_address,
    }
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS
    )
    try:
        connection.request("POST", "/sign-up/", body, headers)
        response = connection.getresponse()
        response.read()
        if response.status == 429:
            assert int(response.getheader("Retry-After", "0")) >= 1
        return response.status
    finally:
        connection.close()


def send_all(port: int, token: str, attempts: list[tuple[str, int]]) -> Counter[int]:
    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        statuses = pool.map(
            lambda attempt: sign_up(port, token, *attempt), attempts, timeout=600
        )
        return Counter(statuses)


def test_burst_limited_steady_flow_not(server_port):
    token = csrf_token(server_port)
    burst = [(BURST_ADDRESS, number) for number in range(BURST_ATTEMPTS)]
    steady = [
        (address, BURST_ATTEMPTS + round_number * len(STEADY_ADDRESSES) + index)
        for round_number in range(STEADY_ROUNDS)
        for index, address in enumerate(STEADY_ADDRESSES)
    ]

    burst_statuses = send_all(server_port, token, burst)
    steady_statuses = send_all(server_port, token, steady)

    # A sign-up that passes redirects to the "check your e-mail" page.
    assert burst_statuses[302] == SIGN_UP_PER_ADDRESS
    assert burst_statuses[429] == BURST_ATTEMPTS - SIGN_UP_PER_ADDRESS
    assert steady_statuses == Counter({302: len(steady)})
    limit_events = SecurityEvent.objects.filter(rule=RATE_LIMIT_EXCEEDED)
    assert limit_events.count() == 1
    assert limit_events.get().detail["limit"] == "ip"
