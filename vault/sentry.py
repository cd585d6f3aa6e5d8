"""Report errors to Sentry, optionally, with personal data scrubbed first.

Sentry is off unless SENTRY_DSN is set. When it is on, ``sentry_init``
starts the SDK with ``send_default_pii`` off, no local variables, no
request bodies and no trace headers on outgoing requests, so third parties
receive no Sentry baggage. The hooks below then scrub each event,
transaction and breadcrumb before it is queued for sending:

- the request section keeps only the method; the URL, query string,
  headers, cookies and body are dropped, and the transaction name (the URL
  pattern) still names the endpoint;
- frame variables are dropped;
- a value whose key is a personal-data field name, a credential or a query
  string is replaced with "[Filtered]";
- every other string goes through ``vault.redaction.redact``, which also
  replaces the values of the request being served.
"""

import functools
import logging
import re
from typing import TYPE_CHECKING, Any, cast

from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST

from vault.checks import PII_NAME_PATTERN
from vault.inventory import inventory
from vault.redaction import RedactionFilter, redact

if TYPE_CHECKING:
    from sentry_sdk._types import Event

FILTERED = "[Filtered]"

# Keys whose values are dropped wherever they appear in an event. Form
# fields may carry a prefix ("identity-legal_name"), so the part after the
# last dash is compared too.
_FILTERED_KEYS = frozenset(
    name.lower()
    for name in (
        *DEFAULT_DENYLIST,
        *DEFAULT_PII_DENYLIST,
        "password1",
        "password2",
        "username",
        "otp_token",
        "reason",
        "q",
        "query_string",
        "http.query",
        "http.fragment",
        "vars",
    )
)
_KEY_WORD_SEPARATORS = re.compile(r"[-.\s]")
# The request fields that carry no personal data.
_REQUEST_KEYS_KEPT = frozenset({"method"})
# Nested deeper than this, a value is replaced rather than walked.
_MAXIMUM_DEPTH = 30


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float = 0.0) -> None:
    """Start the Sentry SDK for Django, Celery and logging, scrubbing PII."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    # TODO: sentry-sdk 2.76 deprecates send_default_pii in favour of
    # data_collection and warns at start-up. Moving over means restating
    # each restriction below per data_collection category.
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        trace_propagation_targets=[],
        integrations=[DjangoIntegration(transaction_style="url"), CeleryIntegration()],
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
    )
    # The SDK's own diagnostic logger has a handler of its own, which would
    # otherwise be the only handler without the redaction filter.
    for handler in logging.getLogger("sentry_sdk.errors").handlers:
        if not any(isinstance(item, RedactionFilter) for item in handler.filters):
            handler.addFilter(RedactionFilter())


def scrub_event(event: "Event", hint: dict[str, Any]) -> "Event":
    """Return the event with request data, variables and personal data gone."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {
            key: value for key, value in request.items() if key in _REQUEST_KEYS_KEPT
        }
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        # The template's arguments are personal more often than not.
        logentry.pop("params", None)
    # Package versions, such as 1.1.1.2, would read as IP addresses.
    modules = event.pop("modules", None)
    scrubbed = cast("Event", _scrubbed(event, depth=0))
    if modules is not None:
        scrubbed["modules"] = modules
    return scrubbed


def scrub_breadcrumb(
    crumb: dict[str, Any], hint: dict[str, Any]
) -> dict[str, Any] | None:
    """Return the breadcrumb with personal data replaced."""
    scrubbed: dict[str, Any] = _scrubbed(crumb, depth=0)
    return scrubbed


def is_filtered_key(key: str) -> bool:
    """Return whether values under ``key`` are dropped from Sentry events."""
    lowered = key.lower()
    last_word = _KEY_WORD_SEPARATORS.split(lowered)[-1]
    return (
        lowered in _FILTERED_KEYS
        or last_word in _FILTERED_KEYS
        or last_word in _personal_field_names()
        or bool(PII_NAME_PATTERN.search(last_word))
    )


@functools.cache
def _personal_field_names() -> frozenset[str]:
    # The inventory is complete once the apps are ready, before Sentry starts.
    return frozenset(entry.field.lower() for entry in inventory)


def _scrubbed(value: Any, *, depth: int) -> Any:
    if isinstance(value, str):
        return redact(value)
    if depth >= _MAXIMUM_DEPTH:
        return FILTERED
    if isinstance(value, dict):
        return {
            key: (
                FILTERED
                if isinstance(key, str) and is_filtered_key(key)
                else _scrubbed(item, depth=depth + 1)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrubbed(item, depth=depth + 1) for item in value]
    return value
