"""Error reports (error e-mails and Django's debug page) without request data.

Django's SafeExceptionReporterFilter hides only the POST parameters and
local variables that sensitive_post_parameters and sensitive_variables
name, only when DEBUG is off, and only in views that carry the decorators.
An exception raised in a middleware, a form or an undecorated helper would
put the posted form and each frame's locals into the report. Here every
posted value, query value, cookie and frame variable is replaced on every
path, DEBUG on or off, because every page of this project handles personal
data: sign-up, sign-in, the wizard and the staff portal.

The report keeps what locates a bug: the traceback's files, lines and
source, the exception type, the view and its URL pattern, the request
method and the names of the parameters and variables. The exception's
message is redacted with ``vault.redaction``.
"""

import re
from collections.abc import Iterable
from types import FrameType
from typing import Any

from django.http import HttpRequest, QueryDict
from django.urls import Resolver404, resolve
from django.utils.datastructures import MultiValueDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from vault.redaction import redact

SUBSTITUTE = SafeExceptionReporterFilter.cleansed_substitute

# Request headers and server variables that carry no personal data and
# help to reproduce an error. Every other META value is replaced: the
# client's address, forwarding headers, the query string, the referrer and
# the raw path may all carry personal data or secrets.
VISIBLE_META_KEYS = frozenset(
    {
        "CONTENT_LENGTH",
        "CONTENT_TYPE",
        "HTTP_ACCEPT",
        "HTTP_ACCEPT_ENCODING",
        "HTTP_ACCEPT_LANGUAGE",
        "HTTP_HOST",
        "HTTP_X_REQUEST_ID",
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "SERVER_NAME",
        "SERVER_PORT",
        "SERVER_PROTOCOL",
        "wsgi.url_scheme",
    }
)


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Replace every request value and every frame variable in a report."""

    # Django's pattern, plus connection URLs and DSNs, which embed passwords.
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DSN|URL|LOCATION",
        flags=re.IGNORECASE,
    )

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        try:
            posted = request.POST
        except Exception:
            # The body that made the view fail may fail again here, and a
            # report must still be written.
            return {"(unreadable body)": SUBSTITUTE}
        return _substituted(posted)

    def get_cleansed_multivaluedict(
        self, request: HttpRequest | None, multivaluedict: MultiValueDict[str, Any]
    ) -> Any:
        return _substituted(multivaluedict)

    def get_traceback_frame_variables(
        self, request: HttpRequest | None, tb_frame: FrameType
    ) -> Any:
        return [(name, SUBSTITUTE) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request: HttpRequest | None) -> dict[str, Any]:
        if request is None or not hasattr(request, "META"):
            return {}
        return {
            key: value if key in VISIBLE_META_KEYS else SUBSTITUTE
            for key, value in request.META.items()
        }

    def get_safe_cookies(self, request: HttpRequest | None) -> dict[str, str]:
        if request is None or not hasattr(request, "COOKIES"):
            return {}
        return {name: SUBSTITUTE for name in request.COOKIES}


class RedactingExceptionReporter(ExceptionReporter):
    """Build reports whose message, URL and request section name no value.

    The URL is shown as the pattern it matched (``/verify/<str:token>/``),
    so tokens and references in the path stay out, and without its query
    string.
    """

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        request = self.request
        if "exception_value" in data:
            data["exception_value"] = redact(data["exception_value"], request)
        if "exception_notes" in data:
            data["exception_notes"] = redact(data["exception_notes"], request)
        # A slice of the text that failed to decode, which may be input.
        data["unicode_hint"] = ""
        if data.get("user_str"):
            data["user_str"] = redact(data["user_str"], request)
        for frame in data["frames"]:
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = redact(str(frame["exc_cause"]), request)
        if request is not None:
            data["request"] = RequestSummary(request)
            data["request_GET_items"] = _substituted(request.GET).items()
            data["request_FILES_items"] = [
                (name, SUBSTITUTE) for name in _file_names(request)
            ]
            data["request_insecure_uri"] = (
                f"{request.scheme}://{request.get_host()}{url_pattern(request)}"
                if _host_is_allowed(request)
                else url_pattern(request)
            )
        return data


class RequestSummary:
    """What the report templates read from a request, with no value in it."""

    def __init__(self, request: HttpRequest) -> None:
        self.path_info = url_pattern(request)
        self.META = {"REQUEST_METHOD": request.method}
        self.GET = {name: SUBSTITUTE for name in request.GET}
        self.FILES = {name: SUBSTITUTE for name in _file_names(request)}
        self.COOKIES = {name: SUBSTITUTE for name in request.COOKIES}


def url_pattern(request: HttpRequest) -> str:
    """Return the URL pattern that ``request`` matched, or its redacted path."""
    match = request.resolver_match
    if match is None:
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return redact(request.path_info, request)
    return "/" + str(match.route)


def _substituted(values: MultiValueDict[str, Any]) -> QueryDict:
    cleansed = QueryDict(mutable=True)
    for name in values:
        cleansed[name] = SUBSTITUTE
    return cleansed


def _file_names(request: HttpRequest) -> Iterable[str]:
    try:
        return list(request.FILES)
    except Exception:
        # A report must still be written when the body cannot be parsed.
        return []


def _host_is_allowed(request: HttpRequest) -> bool:
    # An exception about the Host header (DisallowedHost) must not repeat it.
    try:
        request.get_host()
    except Exception:
        return False
    return True
