"""Make the request being served known to log redaction."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from vault.redaction import redacting_request_values


class RequestValuesMiddleware:
    """Let ``vault.redaction`` replace this request's values in log lines.

    It goes near the top of MIDDLEWARE, so that log lines written by the
    middleware below it, including the error logged for an exception raised
    in one of them, are redacted too. The values are read only when a log
    line is written.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with redacting_request_values(request):
            return self.get_response(request)
