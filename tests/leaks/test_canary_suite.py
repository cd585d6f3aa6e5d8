"""One session of everything that handles personal data, then every sink searched.

The session runs with fresh canary values. An applicant signs up, confirms
the address, fills in the wizard and submits. The identity check fails
until its retries run out, and a later attempt reaches the stand-in
provider. Every retention rule runs on the worker. Staff search, open and
reveal the record, a staff sign-in with the applicant's address is locked
out, and a request fails with a 500 while DEBUG is off and ADMINS is set.

Then every place a copy could land is searched for each canary value. The
sinks are the database columns and decoded sessions, the log output, the
response headers, cookies and redirect targets, and the broker queue as it
was with the worker stopped. They also include the result backend, the
e-mails with their HTML alternatives, the Sentry envelopes, the stand-in
provider's requests and the cache. Only ciphertext, keyed hashes, tokens
and masks may appear there. A failure names the sink and the canary field,
never the value.
"""

import base64
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from urllib.parse import urlencode, urlsplit

import pytest
import redis
import sentry_sdk
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from config.celery import app
from integrations.models import OutboundCall
from integrations.tasks import identity_verify
from onboarding.models import Applicant
from onboarding.retention.rules import RULES
from onboarding.tasks import retention_run
from tests.cache_scan import cache_contents
from tests.database_scan import find_values
from tests.integrations.standin import configure_provider
from tests.leaks import urls
from tests.leaks.sentry_ingest import running_sentry_ingest
from tests.leaks.sinks import canary_fields_in, posted_canary
from tests.onboarding.wizard_steps import STEP_FIELDS, STEPS, WIZARD, step_post
from tests.portal.conftest import verify_second_factor
from tests.retention.conftest import broker_keys_removed, wait_for_entries  # noqa: F401
from vault.sentry import sentry_init

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.leaks.urls"),
]

ADMINS = [("Operations", "operations@example.com")]
REVEAL_REASON = "The applicant called and asked us to confirm the details we hold."
REVEALED_FIELDS = ("legal_name", "phone", "email")
# One first attempt and the task's five retries.
FAILED_ATTEMPTS = 1 + identity_verify.max_retries
# Seconds to wait for the worker. The retries back off for up to 31 s.
WORKER_TIMEOUT = 120
POLL_INTERVAL = 0.2
SENTRY_FLUSH_TIMEOUT = 10


class RecordingClient(Client):
    """A test client that keeps every response, for its headers and cookies."""

    def __init__(self, responses: list, **defaults) -> None:
        super().__init__(**defaults)
        self.responses = responses

    def request(self, **request):
        response = super().request(**request)
        self.responses.append(response)
        return response


# The session


def applicant_onboarding(client: Client, canary) -> Applicant:
    client.post(
        reverse("onboarding:sign-up"),
        {
            "email": canary.email,
            "password1": canary.password,
            "password2": canary.password,
        },
    )
    link = next(word for word in mail.outbox[-1].body.split() if "/verify/" in word)
    client.get(urlsplit(link).path)
    client.post(urlsplit(link).path, {"password": canary.password})
    client.post(
        reverse("onboarding:sign-in"),
        {"username": canary.email, "password": canary.password},
    )
    client.get(WIZARD)
    for step in STEPS:
        response = client.post(WIZARD, step_post(step, STEP_FIELDS[step](canary)))
    assert response.status_code == 302, "the wizard did not finish"
    return Applicant.objects.get()


def wait_until(condition: Callable[[], bool], description: str) -> None:
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(POLL_INTERVAL)
    msg = f"The worker did not {description} within {WORKER_TIMEOUT} s."
    raise AssertionError(msg)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def failed_calls(reference: str) -> int:
    return OutboundCall.objects.filter(
        applicant_reference=reference, status=OutboundCall.Status.FAILED
    ).count()


def staff_work(client: Client, applicant: Applicant, canary) -> None:
    client.get(reverse("staff:onboarding_applicant_changelist"))
    client.post(
        reverse("staff:onboarding_applicant_search"), {"q": canary.email}, follow=True
    )
    client.get(reverse("staff:onboarding_applicant_change", args=[applicant.reference]))
    for field in REVEALED_FIELDS:
        response = client.post(
            reverse(
                "staff:onboarding_applicant_reveal", args=[applicant.reference, field]
            ),
            {"reason": REVEAL_REASON, "action": "reveal"},
        )
        assert response.status_code == 200, f"the {field} reveal failed"


def staff_lockout(client: Client, canary) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(
            reverse("staff:login"),
            {"username": canary.email, "password": canary.password + "-wrong"},
        )
    assert response.status_code == 429, "the sign-in was not locked out"


def server_error(live_server, canary) -> dict[str, str]:
    """POST the canary form to a view that fails, and return the response headers."""
    request = urllib.request.Request(  # noqa: S310 - the live server on 127.0.0.1
        f"{live_server.url}{urls.COPY_POST_AND_RAISE}?{urlencode({'q': canary.email})}",
        data=urlencode(posted_canary(canary)).encode(),
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310
    assert error.value.code == 500
    return dict(error.value.headers.items())


# The sinks


def queued_messages() -> list[str]:
    """Return this run's broker messages, and their decoded bodies."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    texts = []
    for key in broker.scan_iter(match=f"{settings.CELERY_TASK_DEFAULT_QUEUE}*"):
        if broker.type(key) != b"list":
            continue
        for message in broker.lrange(key, 0, -1):
            texts.append(message.decode())
            texts.append(base64.b64decode(json.loads(message)["body"]).decode())
    broker.close()
    return texts


def result_backend_entries() -> list[str]:
    """Return what a result backend stored: none is configured, so nothing."""
    if app.conf.result_backend:
        pytest.fail(f"a result backend is configured: {app.conf.result_backend}")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    entries = [
        broker.get(key) or b"" for key in broker.scan_iter(match="celery-task-meta-*")
    ]
    broker.close()
    return [entry.decode() for entry in entries]


def response_metadata(responses: Iterable) -> list[str]:
    texts = []
    for response in responses:
        texts.extend(f"{name}: {value}" for name, value in response.items())
        texts.append(response.cookies.output())
    return texts


def mail_contents(applicant_address: str) -> list[str]:
    """Return every e-mail as sent, with the applicant's To header left out."""
    texts = []
    for message in mail.outbox:
        sent = message.message().as_string()
        texts.append(sent.replace(f"To: {applicant_address}", "To: [the applicant]"))
        texts.extend(content for content, _type in getattr(message, "alternatives", []))
    return texts


def leaks(sink: str, texts: Iterable[str | bytes], canary) -> list[str]:
    found = set()
    for text in texts:
        found.update(canary_fields_in(text, canary))
    return [f"{field} in {sink}" for field in sorted(found)]


def test_no_canary_in_any_sink(
    canary, settings, make_staff, identity_standin, log_output, live_server
):
    settings.ADMINS = ADMINS
    responses: list = []
    applicant_client = RecordingClient(responses)
    compliance = make_staff("Compliance")
    staff_client = RecordingClient(responses)
    staff_client.force_login(compliance)
    verify_second_factor(staff_client, compliance)

    with running_sentry_ingest() as sentry:
        sentry_init(dsn=sentry.dsn, environment="test", traces_sample_rate=1.0)
        try:
            applicant = applicant_onboarding(applicant_client, canary)
            reference = applicant.reference
            for rule in RULES:
                retention_run.delay(rule)
            broker_queue = queued_messages()
            assert broker_queue, "nothing was queued, so the broker check is empty"

            settings.IDENTITY_VERIFICATION_URL = closed_port_url()
            with start_worker(
                app, pool="solo", perform_ping_check=False, shutdown_timeout=30
            ):
                wait_until(
                    lambda: failed_calls(reference) == FAILED_ATTEMPTS,
                    "retry the identity check until its limit",
                )
                for rule in RULES:
                    wait_for_entries(rule, 1)
                configure_provider(settings, identity_standin.url)
                identity_verify.delay(reference)
                wait_until(
                    lambda: Applicant.objects.get(pk=reference).status
                    == Applicant.Status.VERIFIED,
                    "record the provider's answer",
                )

            staff_work(staff_client, applicant, canary)
            staff_lockout(RecordingClient(responses), canary)
            error_headers = server_error(live_server, canary)
            sentry_sdk.flush(timeout=SENTRY_FLUSH_TIMEOUT)
        finally:
            sentry_sdk.get_client().close(timeout=SENTRY_FLUSH_TIMEOUT)
            sentry_sdk.get_global_scope().set_client(None)
        envelopes = sentry.received()

    database = [str(finding) for finding in find_values(canary.searchable_values())]
    assert identity_standin.received, "the provider received nothing to search"
    assert envelopes, "Sentry received nothing to search"
    found = [
        *database,
        *leaks("the log output", [log_output.getvalue()], canary),
        *leaks("response headers and cookies", response_metadata(responses), canary),
        *leaks("the 500 response headers", [json.dumps(error_headers)], canary),
        *leaks("the broker queue", broker_queue, canary),
        *leaks("the result backend", result_backend_entries(), canary),
        *leaks("e-mails", mail_contents(canary.email), canary),
        *leaks("Sentry envelopes", [envelopes], canary),
        *leaks(
            "the provider's requests",
            [request.body for request in identity_standin.received],
            canary,
        ),
        *leaks("the cache", cache_contents().values(), canary),
    ]
    assert not found, "canary values found: " + "; ".join(found)
