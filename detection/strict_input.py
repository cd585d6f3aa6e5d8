"""Reject requests that a guarded form could not have sent.

A browser posting one of our forms sends each declared field once, as
UTF-8, in a form encoding, well under a few kilobytes, and a wizard's steps
in order. Anything else is a script probing the endpoint, or a legacy
client sending fields that no longer exist, so it gets a plain error and a
security event. The event names the rule and the parameter names, never a
value.
"""

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.urls import ResolverMatch
from formtools.wizard.storage.base import BaseStorage

from detection.endpoints import (
    CSRF_FIELD,
    WIZARD_GOTO_FIELD,
    GuardedEndpoint,
    wizard_management_field,
    wizard_step_fields,
)
from onboarding.models import WizardDraft
from vault import detector

BODY_TOO_LARGE = "body too large"
UNSUPPORTED_CONTENT_TYPE = "unsupported content type"
MALFORMED_ENCODING = "malformed encoding"
CONTROL_CHARACTER = "control character"
REPEATED_PARAMETER = "repeated parameter"
UNDECLARED_PARAMETER = "undeclared parameter"
STEP_OUT_OF_ORDER = "wizard step out of order"

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# Every C0 and C1 control character except tab. Browsers strip line breaks
# from single-line inputs, and no guarded form has a multi-line one.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# Parameter names are chosen by the client, so a security event records
# only names that look like form field names and contain nothing that the
# PII detector recognizes. Any other name is recorded as REDACTED_NAME.
_RECORDABLE_NAME = re.compile(r"[a-z0-9_]+(?:-[a-z0-9_]+)*")
_MAX_RECORDABLE_NAME_LENGTH = 64
_MAX_RECORDED_NAMES = 20
REDACTED_NAME = "[redacted]"

Pairs = list[tuple[str, str]]


@dataclass(frozen=True)
class Violation:
    """A broken strict-input rule, its response status and the parameter names."""

    rule: str
    status: int
    parameters: tuple[str, ...] = ()


class MalformedBodyError(ValueError):
    """The body or query string is not valid form-encoded UTF-8."""


def request_violation(
    request: HttpRequest, endpoint: GuardedEndpoint, match: ResolverMatch
) -> Violation | None:
    """Return the first strict-input rule that ``request`` breaks, or None.

    The size is checked before the body is read, and the body is decoded
    before any of its values is looked at.
    """
    content_length = _content_length(request)
    if content_length is None:
        return Violation(MALFORMED_ENCODING, 400)
    if content_length > settings.DETECTION_MAX_BODY_BYTES:
        return Violation(BODY_TOO_LARGE, 413)

    is_post = request.method == "POST"
    if is_post and not _has_form_content_type(request):
        return Violation(UNSUPPORTED_CONTENT_TYPE, 415)
    try:
        query = _decoded_pairs(_raw_query_string(request))
        body = _posted_pairs(request) if is_post else []
    except MalformedBodyError:
        return Violation(MALFORMED_ENCODING, 400)

    return (
        _uploaded_file_violation(request)
        or _control_character_violation(query + body)
        or _repeated_violation(query)
        or _repeated_violation(body)
        or _undeclared_violation(query, endpoint.query_fields)
        or _undeclared_violation(body, _declared_body_fields(endpoint, match, body))
        or (_step_order_violation(request, match, body) if endpoint.is_wizard else None)
    )


def recordable_names(names: Iterable[str]) -> list[str]:
    """Return ``names`` fit for a security event, redacting any odd one."""
    recorded: list[str] = []
    for name in dict.fromkeys(names):
        if len(recorded) == _MAX_RECORDED_NAMES:
            break
        looks_like_field = (
            len(name) <= _MAX_RECORDABLE_NAME_LENGTH
            and _RECORDABLE_NAME.fullmatch(name) is not None
        )
        if looks_like_field and not detector.contains_pii(name):
            recorded.append(name)
        elif REDACTED_NAME not in recorded:
            recorded.append(REDACTED_NAME)
    return recorded


def _content_length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        return None
    return length if length >= 0 else None


def _raw_query_string(request: HttpRequest) -> bytes:
    # WSGI servers pass the query string's bytes decoded as Latin-1 (PEP
    # 3333), so encoding it back gives the bytes the client sent.
    try:
        return str(request.META.get("QUERY_STRING", "")).encode("latin-1")
    except UnicodeEncodeError as error:
        msg = "The query string is not a WSGI Latin-1 string."
        raise MalformedBodyError(msg) from error


def _has_form_content_type(request: HttpRequest) -> bool:
    # The two encodings an HTML form sends. A declared charset must be
    # UTF-8, the only one the pages use.
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    return request.content_type in (URLENCODED, MULTIPART) and charset == "utf-8"


def _posted_pairs(request: HttpRequest) -> Pairs:
    if request.content_type == URLENCODED:
        return _decoded_pairs(request.body)
    return _multipart_pairs(request)


def _decoded_pairs(raw: bytes) -> Pairs:
    """Split a form-encoded body or query string into decoded pairs.

    Django's own parser replaces invalid UTF-8 with U+FFFD, which would hide
    it, so the pairs are decoded strictly here.
    """
    pairs: Pairs = []
    for chunk in raw.split(b"&"):
        if not chunk:
            continue
        name, _separator, value = chunk.partition(b"=")
        pairs.append((_decoded(name), _decoded(value)))
    return pairs


def _decoded(part: bytes) -> str:
    try:
        return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as error:
        msg = "A form-encoded part is not valid UTF-8."
        raise MalformedBodyError(msg) from error


def _multipart_pairs(request: HttpRequest) -> Pairs:
    try:
        fields = list(request.POST.lists())
        files = list(request.FILES.lists())
    except (MultiPartParserError, SuspiciousOperation) as error:
        msg = "The multipart body cannot be parsed."
        raise MalformedBodyError(msg) from error
    pairs = [(name, value) for name, values in fields for value in values]
    # File parts count as parameters too, so a file sent under a declared
    # name still counts as a repeat of that name.
    pairs += [(name, "") for name, uploads in files for _upload in uploads]
    # NOTE: Django's multipart parser replaces invalid UTF-8 with U+FFFD
    # before this code reads it, so a replacement character is the only
    # trace left, and a client that types one on purpose is rejected too.
    if any("\ufffd" in name or "\ufffd" in value for name, value in pairs):
        msg = "A multipart part is not valid UTF-8."
        raise MalformedBodyError(msg)
    return pairs


def _uploaded_file_violation(request: HttpRequest) -> Violation | None:
    """Reject any uploaded file: no guarded form has a file input.

    A file sent under a declared field's name would otherwise pass as that
    field. Only a multipart POST can carry files, and the body has been
    parsed by the time this runs.
    """
    if request.method != "POST" or not request.content_type == MULTIPART:
        return None
    names = tuple(request.FILES)
    return Violation(UNDECLARED_PARAMETER, 400, names) if names else None


def _control_character_violation(pairs: Pairs) -> Violation | None:
    names = [
        name
        for name, value in pairs
        if _CONTROL_CHARACTERS.search(name) or _CONTROL_CHARACTERS.search(value)
    ]
    return Violation(CONTROL_CHARACTER, 400, tuple(names)) if names else None


def _repeated_violation(pairs: Pairs) -> Violation | None:
    counts = Counter(name for name, _value in pairs)
    repeated = [name for name, count in counts.items() if count > 1]
    return Violation(REPEATED_PARAMETER, 400, tuple(repeated)) if repeated else None


def _undeclared_violation(pairs: Pairs, declared: frozenset[str]) -> Violation | None:
    undeclared = [name for name, _value in pairs if name not in declared]
    if not undeclared:
        return None
    return Violation(UNDECLARED_PARAMETER, 400, tuple(undeclared))


def _declared_body_fields(
    endpoint: GuardedEndpoint, match: ResolverMatch, body: Pairs
) -> frozenset[str]:
    if not endpoint.is_wizard:
        return endpoint.body_fields
    view_class = _view_class(match)
    step = dict(body).get(wizard_management_field(view_class), "")
    form_class = _wizard_form_list(match).get(step)
    if form_class is None:
        # The step is unknown or missing. The step-order rule reports an
        # unknown one, and formtools rejects a missing one.
        return frozenset(
            {CSRF_FIELD, WIZARD_GOTO_FIELD, wizard_management_field(view_class)}
        )
    return wizard_step_fields(view_class, step, form_class)


def _step_order_violation(
    request: HttpRequest, match: ResolverMatch, body: Pairs
) -> Violation | None:
    """Reject a wizard step posted before the steps in front of it are done.

    A step counts as reached when every step before it has stored data, so
    going back to an earlier step, or resubmitting one after the browser's
    back button, stays allowed.
    """
    if request.method != "POST" or not request.user.is_authenticated:
        return None
    view_class = _view_class(match)
    steps = list(_wizard_form_list(match))
    management_field = wizard_management_field(view_class)
    posted = dict(body)
    requested = {
        name: posted[name]
        for name in (management_field, WIZARD_GOTO_FIELD)
        if posted.get(name)
    }
    if not requested:
        return None

    unknown = [name for name, step in requested.items() if step not in steps]
    if unknown:
        return Violation(STEP_OUT_OF_ORDER, 400, tuple(unknown))
    # The first step is always reachable, so only a request for a later one
    # pays for loading the stored draft.
    later = {
        name: steps.index(step) for name, step in requested.items() if step != steps[0]
    }
    if not later:
        return None
    reached = _reached_step_index(request, steps)
    out_of_order = [name for name, index in later.items() if index > reached]
    if not out_of_order:
        return None
    return Violation(STEP_OUT_OF_ORDER, 400, tuple(out_of_order))


def _reached_step_index(request: HttpRequest, steps: list[str]) -> int:
    stored = _stored_steps(request)
    for index, step in enumerate(steps):
        if step not in stored:
            return index
    return len(steps) - 1


def _stored_steps(request: HttpRequest) -> set[str]:
    """Return the names of the steps whose data the applicant's draft stores.

    One query reads the draft column alone. Building the wizard's storage
    would also load the applicant's record and decrypt every column of it,
    and the ORM took twice as long as this fixed statement to build and run
    the same query, on every wizard post.
    """
    user_id = request.user.pk
    if user_id is None:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_DRAFT_STATE_QUERY, [user_id])
        row = cursor.fetchone()
    if row is None:
        return set()
    state = WizardDraft._meta.get_field("state").from_db_value(row[0], None, connection)
    # The draft contains formtools' storage data: the data of each finished
    # step under BaseStorage.step_data_key, keyed by step name.
    return set(json.loads(state).get(BaseStorage.step_data_key) or {})


_DRAFT_STATE_QUERY = (
    "SELECT draft.state FROM onboarding_wizarddraft draft "
    "JOIN onboarding_applicant applicant ON applicant.reference = draft.applicant_id "
    "WHERE applicant.user_id = %s"
)


def _view_class(match: ResolverMatch) -> Any:
    return match.func.view_class  # type: ignore[attr-defined]


def _wizard_form_list(match: ResolverMatch) -> dict[str, Any]:
    # formtools' as_view() resolves the form list into an ordered mapping of
    # step name to form class and passes it to every instance it creates.
    return dict(match.func.view_initkwargs["form_list"])  # type: ignore[attr-defined]
