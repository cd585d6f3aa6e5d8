"""The request being served, for audit entries written deep inside a call.

django-auditlog writes change entries from model signals, which receive no
request. The middleware stores the request and its correlation id here, so
those entries can still name the actor, the client's network and the
request they belong to. Outside a request (a Celery task, a management
command) both are None.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.http import HttpRequest

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_request_id: ContextVar[str | None] = ContextVar("audit_request_id", default=None)


def current_request() -> HttpRequest | None:
    """Return the request this thread or task is serving, if any."""
    return _request.get()


def current_request_id() -> str | None:
    """Return the correlation id of the current request, if any."""
    return _request_id.get()


@contextlib.contextmanager
def request_context(request: HttpRequest, request_id: str) -> Iterator[None]:
    """Make ``request`` and ``request_id`` current until the block ends."""
    request_token = _request.set(request)
    request_id_token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(request_id_token)
        _request.reset(request_token)
