"""Sentry events, transactions and breadcrumbs carry no canary value.

The SDK sends to a stand-in ingest server on 127.0.0.1, and the test
searches every envelope it received.
"""

import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
import sentry_sdk

from tests.leaks import urls
from tests.leaks.sentry_ingest import running_sentry_ingest
from tests.leaks.sinks import canary_fields_in, posted_canary
from vault.sentry import is_filtered_key, sentry_init

FLUSH_TIMEOUT = 10


@pytest.fixture
def sentry_ingest():
    with running_sentry_ingest() as server:
        sentry_init(dsn=server.dsn, environment="test", traces_sample_rate=1.0)
        try:
            yield server
        finally:
            sentry_sdk.get_client().close(timeout=FLUSH_TIMEOUT)
            # Back to the client that records nothing, for the other tests.
            sentry_sdk.get_global_scope().set_client(None)


def envelope_items(raw: bytes) -> list[dict]:
    """Return every JSON line of the envelopes: headers and payloads."""
    items = []
    for line in raw.splitlines():
        try:
            items.append(json.loads(line))
        except ValueError:
            continue
    return items


def post_to_live_server(live_server, canary) -> int:
    """POST the canary form through the WSGI handler that gunicorn also runs.

    Sentry's WSGI middleware only wraps that handler, not the test client's,
    so this is the path on which it records the URL, headers and body.
    """
    query = urlencode({"email": canary.email, "name": canary.legal_name})
    request = urllib.request.Request(  # noqa: S310 - the live server on 127.0.0.1
        f"{live_server.url}{urls.COPY_POST_AND_RAISE}?{query}",
        data=urlencode(posted_canary(canary)).encode(),
        headers={
            "Referer": f"https://example.com/?{query}",
            "Cookie": f"tracking={canary.phone_e164}",
            "X-Forwarded-For": "198.51.100.23",
        },
        method="POST",
    )
    try:
        response = urllib.request.urlopen(request, timeout=FLUSH_TIMEOUT)  # noqa: S310
    except urllib.error.HTTPError as error:
        return error.code
    with response:
        return response.status


@pytest.mark.urls("tests.leaks.urls")
def test_sentry_envelopes_leak_nothing(sentry_ingest, live_server, canary):
    logging.getLogger("tests.leaks").info("Starting with %s", canary.email)

    status = post_to_live_server(live_server, canary)
    sentry_sdk.flush(timeout=FLUSH_TIMEOUT)

    assert status == 500
    raw = sentry_ingest.received()
    items = envelope_items(raw)
    exceptions = [
        value for item in items for value in item.get("exception", {}).get("values", [])
    ]
    assert "RuntimeError" in [value["type"] for value in exceptions]
    assert "transaction" in [item.get("type") for item in items]
    assert canary_fields_in(raw, canary) == []
    assert b"198.51.100.23" not in raw


@pytest.mark.urls("tests.leaks.urls")
def test_sentry_event_keeps_method_only(sentry_ingest, live_server, canary):
    post_to_live_server(live_server, canary)
    sentry_sdk.flush(timeout=FLUSH_TIMEOUT)

    events = [
        item for item in envelope_items(sentry_ingest.received()) if "exception" in item
    ]
    assert len(events) == 1
    assert events[0]["request"] == {"method": "POST"}
    frames = events[0]["exception"]["values"][-1]["stacktrace"]["frames"]
    assert [frame for frame in frames if "vars" in frame] == []


FILTERED_KEYS = [
    ("identity-legal_name", True),
    ("email", True),
    ("contact-phone", True),
    ("password1", True),
    ("http.query", True),
    ("REMOTE_ADDR", True),
    ("filename", False),
    ("function", False),
    ("type", False),
]


@pytest.mark.parametrize(("key", "filtered"), FILTERED_KEYS)
def test_filtered_keys(key, filtered):
    assert is_filtered_key(key) is filtered
