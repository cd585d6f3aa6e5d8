"""Guard the onboarding and sign-in endpoints with strict input and rate limits.

The onboarding app does not import detection, so this middleware finds the
endpoints by URL name, in detection.endpoints.GUARDED_ENDPOINTS.
"""

import math
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.models import SecurityEvent
from audit.services import security_event_record
from detection import rate_limits, strict_input
from detection.endpoints import GUARDED_ENDPOINTS, GuardedEndpoint
from vault.client_ip import client_ip_address

RATE_LIMIT_EXCEEDED = "rate limit exceeded"

# The pages name the problem in general terms and never repeat a value or a
# parameter name from the request.
_REJECTION_PAGES = {
    400: (
        _("Request not accepted"),
        _(
            "This request does not match the form on this page. Reload the "
            "page and send the form again."
        ),
    ),
    413: (
        _("Request too large"),
        _(
            "This request is larger than the form on this page sends. Reload "
            "the page and send the form again."
        ),
    ),
    415: (
        _("Request format not accepted"),
        _(
            "This request is in a format that the form does not accept. Send "
            "the form from its page on this site."
        ),
    ),
}


class EndpointGuardMiddleware:
    """Apply strict input and rate limits to every guarded endpoint.

    It works in process_view, where the URL name is known. It must come
    before CsrfViewMiddleware in MIDDLEWARE, because that middleware's
    process_view reads the body before any view runs.

    Only POST requests count against a limit. The per-IP counter, and the
    per-account counter of a signed-in user, run first, in one round trip
    to the cache, so a flood of malformed requests is stopped before each
    one records a security event. A posted address is counted after the
    strict checks, because counting it means reading the body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        endpoint = GUARDED_ENDPOINTS.get(match.view_name) if match else None
        if match is None or endpoint is None:
            return None
        url_name = match.view_name
        counted = request.method == "POST"

        if counted:
            subjects = _request_subjects(request, endpoint)
            overruns = rate_limits.request_count(url_name=url_name, subjects=subjects)
            if overruns:
                return _rate_limited(request, url_name, overruns)

        violation = strict_input.request_violation(request, endpoint, match)
        if violation is not None:
            return _rejected(request, url_name, violation)

        if counted and endpoint.email_field:
            subjects = _posted_address_subject(request, endpoint.email_field)
            overruns = rate_limits.request_count(url_name=url_name, subjects=subjects)
            if overruns:
                return _rate_limited(request, url_name, overruns)
        return None


def _request_subjects(
    request: HttpRequest, endpoint: GuardedEndpoint
) -> list[tuple[str, str]]:
    """Return the counters known before the body is read.

    These are the client's IP address and, on an endpoint that posts no
    address, the signed-in account, by the blind index its row stores.
    """
    ip_key = rate_limits.client_ip_key(client_ip_address(request))
    subjects = [(rate_limits.CLIENT_IP, ip_key)]
    account_index = getattr(request.user, "email_index", "")
    if not endpoint.email_field and account_index:
        subjects.append((rate_limits.EMAIL, str(account_index)))
    return subjects


def _posted_address_subject(
    request: HttpRequest, email_field: str
) -> list[tuple[str, str]]:
    address = request.POST.get(email_field, "").strip()
    if not address:
        return []
    return [(rate_limits.EMAIL, rate_limits.email_key(address))]


def _rejected(
    request: HttpRequest, url_name: str, violation: strict_input.Violation
) -> HttpResponse:
    security_event_record(
        severity=SecurityEvent.Severity.WARNING,
        rule=violation.rule,
        detail={
            "rule": violation.rule,
            "parameters": strict_input.recordable_names(violation.parameters),
            "path_name": url_name,
        },
    )
    title, message = _REJECTION_PAGES[violation.status]
    return _page(request, title, message, violation.status)


def _rate_limited(
    request: HttpRequest, url_name: str, overruns: list[rate_limits.Overrun]
) -> HttpResponse:
    for overrun in overruns:
        if overrun.is_first:
            security_event_record(
                severity=SecurityEvent.Severity.WARNING,
                rule=RATE_LIMIT_EXCEEDED,
                detail={
                    "rule": RATE_LIMIT_EXCEEDED,
                    "parameters": [],
                    "path_name": url_name,
                    "limit": overrun.kind,
                    "requests": overrun.limit.requests,
                    "seconds": overrun.limit.seconds,
                },
            )
    retry_after = max(overrun.retry_after for overrun in overruns)
    minutes = math.ceil(retry_after / 60)
    message = ngettext(
        "There have been too many attempts. Wait %(minutes)d minute, then try again.",
        "There have been too many attempts. Wait %(minutes)d minutes, then try again.",
        minutes,
    ) % {"minutes": minutes}
    response = _page(request, _("Too many attempts"), message, 429)
    response["Retry-After"] = str(retry_after)
    return response


def _page(request: HttpRequest, title: Any, message: Any, status: int) -> HttpResponse:
    response = render(
        request,
        "detection/rejected.html",
        {"title": title, "message": message},
        status=status,
    )
    add_never_cache_headers(response)
    return response
