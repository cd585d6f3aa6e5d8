"""Redact personal data from log records before a handler writes them.

``RedactionFilter`` sits on every logging handler. It rewrites a record's
message, its arguments, its extra fields, its traceback and its stack text.
It replaces four kinds of text:

- values that ``vault.detector`` recognizes by their shape, with a marker
  naming the kind, such as ``[email]`` or ``[national ID]``;
- any value of the query string or the posted form of the request being
  served, with ``[request value]``, so a name or a street address is
  caught although it has no recognizable shape;
- query strings after a URL path, with ``?[query]``;
- the values that PostgreSQL repeats in a constraint violation's detail
  (``Key (column)=(value) already exists``), with ``[database value]``.

``RequestValuesMiddleware`` in ``vault.middleware`` makes the request known
here. Values shorter than MINIMUM_REQUEST_VALUE_LENGTH characters are left
alone, and so is a value the detector does not recognize that reaches a log
line outside a request, in a Celery task for instance.
"""

import contextlib
import logging
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException

from vault.detector import find_pii

REQUEST_VALUE_MARKER = "[request value]"
QUERY_MARKER = "[query]"
DATABASE_VALUE_MARKER = "[database value]"

# Shorter posted values, such as a country code, "on" or a step number,
# occur in ordinary log text too often to be replaced wherever they appear.
MINIMUM_REQUEST_VALUE_LENGTH = 4
# Fields that Django and formtools add to a form: the CSRF token and the
# wizard's step names. Their values are never personal, and a step name
# such as "contact" also appears in ordinary log text, which redacting it
# would spoil.
_CONTROL_FIELD = re.compile(r"^csrfmiddlewaretoken$|current_step$|^wizard_goto_step$")

# A text that matches none of these cannot contain anything the detector
# finds, so the detector's slower search is skipped. Each alternative is
# the shortest part that one kind must contain: "@" for an e-mail, "+" and
# a digit for a phone number, and digit groups for the national IDs
# (123-45, 123456), card numbers and ISO dates (1234-5). Three dotted
# groups (1.2.3) start both an IPv4 address and a date like 31.01.1990, and
# IPv6 needs two colons with only hex digits between them.
# tests/vault/test_redaction.py checks that the detector finds nothing in a
# text that matches none. The single character class is tried first
# because it rejects most log lines several times faster.
_CANDIDATE_CHARACTER = re.compile(r"[@+:\d]")
_MAY_CONTAIN_SHAPED_PII = re.compile(
    r"@|\+\d|:[0-9A-Fa-f]*:"
    r"|\d(?:\d{2}[- ]\d{2}|\d{3}[. ]?\d{2}|\d{3}-\d|[./]\d{1,3}[./]\d)"
)
# PostgreSQL's detail for unique, foreign-key and exclusion violations, and
# for a row that fails a NOT NULL or CHECK constraint.
_DATABASE_KEY_DETAIL = re.compile(
    r"(Key \([^)]*\)=\().*?"
    r"(\) (?:already exists|is not present|is still referenced|conflicts with))"
)
_DATABASE_FAILING_ROW = re.compile(r"(Failing row contains \().*(\))")
# A query string after a path, as in a request line or a URL. A question
# mark followed by a space is prose, not a query string.
_QUERY_STRING = re.compile(r"(/[^\s?#\"']*)\?[^\s#\"']+")

_current_request: ContextVar[HttpRequest | None] = ContextVar(
    "vault_redaction_request", default=None
)
_REQUEST_VALUES_ATTRIBUTE = "_vault_redaction_values"
_REDACTED_ATTRIBUTE = "_vault_redacted"
# Attributes every LogRecord has. Anything else came in through ``extra``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
}
# Extra fields that are objects for a handler, not text for a log line.
# Django's AdminEmailHandler reads the request from the record.
_OBJECT_ATTRIBUTES = frozenset({"request"})
_SKIPPED_ATTRIBUTES = _STANDARD_ATTRIBUTES | _OBJECT_ATTRIBUTES
# Extra fields nested deeper than this are replaced, not walked, so a
# self-referencing structure cannot loop.
_MAXIMUM_DEPTH = 8
_TRACEBACK_FORMATTER = logging.Formatter()


@contextlib.contextmanager
def redacting_request_values(request: HttpRequest) -> Iterator[None]:
    """Redact the query and form values of ``request`` until the block ends."""
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def request_values(request: HttpRequest | None) -> tuple[str, ...]:
    """Return the request's query and form values, longest first.

    The values are collected once per request and kept on it. The form is
    parsed on first use, so a request that logs nothing is never parsed
    here.
    """
    # TODO: JSON request bodies are not collected, so a value without a
    # recognizable shape posted as JSON reaches log lines unredacted.
    if request is None:
        return ()
    cached: tuple[str, ...] | None = getattr(request, _REQUEST_VALUES_ATTRIBUTE, None)
    if cached is not None:
        return cached
    collected = {
        value.strip()
        for source in (request.GET, _form_data(request))
        for key, items in source.lists()
        if not _CONTROL_FIELD.search(key)
        for value in items
        if isinstance(value, str)
    }
    values = tuple(
        sorted(
            (
                value
                for value in collected
                if len(value) >= MINIMUM_REQUEST_VALUE_LENGTH
            ),
            key=len,
            reverse=True,
        )
    )
    setattr(request, _REQUEST_VALUES_ATTRIBUTE, values)
    return values


def _form_data(request: HttpRequest) -> QueryDict:
    # Logging must not fail because a body is malformed or too large. The
    # view that reads the form reports that error itself, and a log line
    # from inside a logging filter would recurse.
    try:
        return request.POST
    except (
        SuspiciousOperation,
        BadRequest,
        MultiPartParserError,
        RawPostDataException,
        OSError,
    ):
        return QueryDict()


def redact(text: str, request: HttpRequest | None = None) -> str:
    """Return ``text`` with personal values replaced by markers.

    ``request`` defaults to the request being served. Its query and form
    values are replaced wherever they occur in ``text``.
    """
    # The substring tests are much cheaper than the searches they guard.
    if "Key (" in text:
        text = _DATABASE_KEY_DETAIL.sub(_database_value_replacement, text)
    if "Failing row" in text:
        text = _DATABASE_FAILING_ROW.sub(_database_value_replacement, text)
    if "?" in text:
        text = _QUERY_STRING.sub(_query_replacement, text)
    if may_contain_shaped_pii(text):
        text = _replace_shaped_values(text)
    for value in request_values(request or _current_request.get()):
        if value in text:
            text = text.replace(value, REQUEST_VALUE_MARKER)
    return text


# Functions rather than template strings, because re expands a template
# anew on every match, which costs more than the search itself.
def _database_value_replacement(match: re.Match[str]) -> str:
    return f"{match.group(1)}{DATABASE_VALUE_MARKER}{match.group(2)}"


def _query_replacement(match: re.Match[str]) -> str:
    return f"{match.group(1)}?{QUERY_MARKER}"


def may_contain_shaped_pii(text: str) -> bool:
    """Return False only when the detector would find nothing in ``text``."""
    return bool(
        _CANDIDATE_CHARACTER.search(text) and _MAY_CONTAIN_SHAPED_PII.search(text)
    )


def _replace_shaped_values(text: str) -> str:
    pieces: list[str] = []
    position = 0
    for match in find_pii(text):
        if match.start < position:
            # This match overlaps the value just replaced, so that
            # replacement is widened to cover it.
            position = max(position, match.end)
            continue
        pieces.append(text[position : match.start])
        pieces.append(f"[{match.kind}]")
        position = match.end
    pieces.append(text[position:])
    return "".join(pieces)


def record_extras(record: logging.LogRecord) -> Iterable[tuple[str, Any]]:
    """Return the fields that came into ``record`` through ``extra``.

    Private attributes (a leading underscore) and objects meant for a
    handler, such as Django's ``request``, are left out.
    """
    attributes = vars(record)
    # A set difference is much faster than testing every attribute by name.
    names = sorted(attributes.keys() - _SKIPPED_ATTRIBUTES)
    return [(name, attributes[name]) for name in names if not name.startswith("_")]


class RedactionFilter(logging.Filter):
    """Rewrite a log record so no handler writes personal data.

    The record is changed in place and marked, so the next handler that
    receives the same record does not redact it again. The filter never drops
    a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _REDACTED_ATTRIBUTE, False):
            return True
        record.msg = redact(_message(record))
        record.args = None
        for name, value in record_extras(record):
            setattr(record, name, _redacted_value(value, depth=0))
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        setattr(record, _REDACTED_ATTRIBUTE, True)
        return True


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        # The handler would print the template and its arguments to stderr
        # when it failed to format them, so only the template is kept.
        return f"{record.msg} (log arguments did not match the message)"


def _redacted_value(value: Any, *, depth: int) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value)
    if depth >= _MAXIMUM_DEPTH:
        return "[nested too deep]"
    if isinstance(value, dict):
        return {
            redact(str(key)): _redacted_value(item, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redacted_value(item, depth=depth + 1) for item in value]
    # Any other object becomes its text, redacted, so that no formatter
    # turns it into unredacted text later.
    return redact(str(value))
