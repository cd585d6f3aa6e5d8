"""The commands of docker-compose.prod.yml, run natively with TLS servers.

Each command runs with the production environment of the compose file,
its secrets read from files, against this run's PostgreSQL and Redis
servers, which accept TLS connections only. The web server is then asked
for the main pages as the TLS-terminating proxy in front of it would ask:
over plain HTTP, with the site's Host and ``X-Forwarded-Proto: https``.
"""

import http.client
import re
import subprocess
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from celery import Celery

from config.tls import redis_tls_options
from tests.deploy.conftest import PRODUCTION_VARIABLES
from tests.deploy.project_files import (
    PRODUCTION_COMPOSE_FILE,
    REPO_ROOT,
    load_compose,
    service_command,
)
from tests.deploy.test_compose_commands import (
    BEAT_RUN_SECONDS,
    COMMAND_TIMEOUT_SECONDS,
    START_TIMEOUT_SECONDS,
    TEST_QUEUE,
    free_port,
    log_text,
    native,
    replace_option,
    run,
    started,
    wait_for_log_line,
)

SITE_HOST = PRODUCTION_VARIABLES["DJANGO_ALLOWED_HOSTS"]
SITE_ORIGIN = PRODUCTION_VARIABLES["SITE_URL"]
PROXY_HEADERS = {"Host": SITE_HOST, "X-Forwarded-Proto": "https"}
APPLICANT_EMAIL = "headers.check@example.com"
APPLICANT_PASSWORD = "TEST-ONLY-password-1"
HSTS = "max-age=31536000; includeSubDomains; preload"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Features that the policy must deny; the settings list more.
DENIED_FEATURES = ["camera", "geolocation", "microphone", "payment", "usb"]


@pytest.fixture(scope="module")
def production_compose() -> dict:
    return load_compose(PRODUCTION_COMPOSE_FILE)


@pytest.fixture(scope="module")
def migrated_database(production_compose, production_environment) -> None:
    """Run the migrate service's command once for the tests of this module."""
    command = service_command(production_compose["services"]["migrate"])
    run(native(command), production_environment)


@pytest.fixture(scope="module")
def web_port(
    production_compose, production_environment, migrated_database, tmp_path_factory
):
    """Start the web service's command and return its port on 127.0.0.1."""
    web = production_compose["services"]["web"]
    port = free_port()
    argv = replace_option(service_command(web), "--bind", f"127.0.0.1:{port}")
    environment = {**production_environment, "WEB_CONCURRENCY": "2"}
    log = tmp_path_factory.mktemp("web") / "gunicorn.log"

    with started(native(argv), environment=environment, log=log) as process:
        wait_for_health(process, port, log)
        yield port


def wait_for_health(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"gunicorn exited with code {process.returncode}:\n{log_text(log)}"
            )
        try:
            if request(port, "GET", "/healthz/", {}).status == 200:
                return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"gunicorn did not answer within {START_TIMEOUT_SECONDS} s")


class Reply:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = response.read().decode(errors="replace")

    def cookies(self) -> SimpleCookie:
        jar: SimpleCookie = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return jar


def request(
    port: int, method: str, path: str, headers: dict[str, str], body: str = ""
) -> Reply:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        return Reply(connection.getresponse())
    finally:
        connection.close()


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    if not cookies:
        return {}
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


@pytest.fixture(scope="module")
def sign_in_replies(web_port, production_environment) -> tuple[Reply, Reply]:
    """Sign in a confirmed applicant; return the form and the POST replies."""
    create_user = (
        "from django.utils import timezone\n"
        "from onboarding.models import User\n"
        f"User.objects.create_user({APPLICANT_EMAIL!r}, {APPLICANT_PASSWORD!r},"
        " email_verified_at=timezone.now())\n"
    )
    run(
        native(["python", "manage.py", "shell", "-c", create_user]),
        production_environment,
    )

    form = request(web_port, "GET", "/sign-in/", PROXY_HEADERS)
    token = CSRF_INPUT.search(form.body)
    assert token, "the sign-in page has no CSRF token"
    body = (
        f"csrfmiddlewaretoken={token[1]}&username={APPLICANT_EMAIL}"
        f"&password={APPLICANT_PASSWORD}"
    )
    headers = {
        **PROXY_HEADERS,
        **cookie_header(cookie_values(form)),
        "Origin": SITE_ORIGIN,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    signed_in = request(web_port, "POST", "/sign-in/", headers, body)
    assert signed_in.status == 302, signed_in.body
    return form, signed_in


@pytest.fixture(scope="module")
def applicant_cookies(sign_in_replies) -> dict[str, str]:
    form, signed_in = sign_in_replies
    return {**cookie_values(form), **cookie_values(signed_in)}


def cookie_values(reply: Reply) -> dict[str, str]:
    return {name: morsel.value for name, morsel in reply.cookies().items()}


def main_pages(cookies: dict[str, str]) -> dict[str, dict[str, str]]:
    """Return the request headers of each main page, keyed by path."""
    return {
        "/": {},
        "/sign-up/": {},
        "/sign-in/": {},
        "/apply/": cookie_header(cookies),
        "/staff/login/": {},
    }


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


def test_migrate_command_runs_twice(production_compose, production_environment):
    command = native(service_command(production_compose["services"]["migrate"]))

    for _ in range(2):
        run(command, production_environment)

    run(native(["python", "manage.py", "migrate", "--check"]), production_environment)


def test_health_check_passes(production_compose, web_port):
    healthcheck = [
        word.replace("/app/", f"{REPO_ROOT}/").replace(":8000/", f":{web_port}/")
        for word in production_compose["services"]["web"]["healthcheck"]["test"][1:]
    ]

    check = subprocess.run(
        native(healthcheck),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )

    assert check.returncode == 0, check.stderr


def test_plain_http_redirects_to_https(web_port):
    reply = request(web_port, "GET", "/sign-in/", {"Host": SITE_HOST})

    assert reply.status == 301
    assert reply.headers["Location"] == f"{SITE_ORIGIN}/sign-in/"


def test_unknown_host_rejected(web_port):
    reply = request(
        web_port, "GET", "/", {"Host": "attacker.example", "X-Forwarded-Proto": "https"}
    )

    assert reply.status == 400


@pytest.mark.parametrize("path", list(main_pages({})))
def test_main_page_headers_match_policy(web_port, applicant_cookies, path):
    reply = request(
        web_port, "GET", path, {**PROXY_HEADERS, **main_pages(applicant_cookies)[path]}
    )
    headers = reply.headers

    assert reply.status == 200, f"{path} returned {reply.status}"
    assert headers["Strict-Transport-Security"] == HSTS
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    for feature in DENIED_FEATURES:
        assert f"{feature}=()" in headers["Permissions-Policy"], feature


@pytest.mark.parametrize("path", list(main_pages({})))
def test_main_page_csp_strict(web_port, applicant_cookies, path):
    reply = request(
        web_port, "GET", path, {**PROXY_HEADERS, **main_pages(applicant_cookies)[path]}
    )
    header = reply.headers["Content-Security-Policy"]
    directives = csp_directives(header)

    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert "Content-Security-Policy-Report-Only" not in reply.headers
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


def test_cookies_secure_http_only_same_site(sign_in_replies):
    # The sign-in page sets the CSRF cookie, and signing in sets the session
    # cookie, so both replies are checked.
    form, signed_in = sign_in_replies
    cookies = {**form.cookies(), **signed_in.cookies()}

    assert set(cookies) >= {"__Host-csrftoken", "__Host-sessionid"}
    for name, morsel in cookies.items():
        assert morsel["secure"], f"{name} is not Secure"
        assert morsel["httponly"], f"{name} is not HttpOnly"
        assert morsel["samesite"] == "Lax", f"{name} has no SameSite=Lax"
        assert morsel["path"] == "/", name
        assert not morsel["domain"], f"{name} has a Domain"


def test_worker_command_replies_over_tls(
    production_compose, production_environment, tls_certificates, tmp_path
):
    nodename = f"deploy-test-{uuid.uuid4().hex}@localhost"
    argv = [
        *service_command(production_compose["services"]["worker"]),
        f"--hostname={nodename}",
        f"--queues={TEST_QUEUE}",
        "--concurrency=1",
        "--without-mingle",
        "--without-gossip",
    ]
    log = tmp_path / "worker.log"
    broker = (Path(production_environment["CELERY_BROKER_URL_FILE"])).read_text()
    client = Celery("deploy-tests", broker=broker.strip(), set_as_current=False)
    client.conf.broker_use_ssl = redis_tls_options(str(tls_certificates.ca_file))

    try:
        with started(
            native(argv), environment=production_environment, log=log
        ) as process:
            replies = wait_for_ping(client, nodename, process, log)
    finally:
        client.close()

    assert replies == [{nodename: {"ok": "pong"}}]
    assert "Traceback" not in log_text(log)


def wait_for_ping(
    client: Celery, nodename: str, process: subprocess.Popen, log: Path
) -> list:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the worker exited with code {process.returncode}:\n{log_text(log)}"
            )
        replies = client.control.ping(destination=[nodename], timeout=1.0)
        if replies:
            return replies
    pytest.fail(f"the worker did not answer a ping within {START_TIMEOUT_SECONDS} s")


def test_beat_command_keeps_running(
    production_compose, production_environment, tmp_path
):
    schedule = tmp_path / "celerybeat-schedule"
    argv = replace_option(
        service_command(production_compose["services"]["beat"]),
        "--schedule",
        str(schedule),
    )
    log = tmp_path / "beat.log"

    with started(native(argv), environment=production_environment, log=log) as process:
        wait_for_log_line("beat: Starting...", process, log)
        time.sleep(BEAT_RUN_SECONDS)
        exit_code = process.poll()

    assert exit_code is None, f"beat exited with code {exit_code}:\n{log_text(log)}"
    assert "Traceback" not in log_text(log)
