"""Give every request a correlation id that audit entries and logs share."""

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import request_context

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Set ``request.request_id`` and return it in the X-Request-ID header.

    An incoming X-Request-ID, such as one set by a load balancer, is reused
    only when it is a UUID. Anything else is replaced, so a client cannot
    put arbitrary text into audit rows through this header. The id only
    correlates entries; a client can still choose a UUID of its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _valid_uuid(request.headers.get(REQUEST_ID_HEADER)) or str(
            uuid.uuid4()
        )
        request.request_id = request_id  # type: ignore[attr-defined]
        with request_context(request, request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _valid_uuid(value: str | None) -> str | None:
    """Return ``value`` in canonical UUID form, or None if it is no UUID."""
    if not value or len(value) > 36:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
