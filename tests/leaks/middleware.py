"""A middleware that fails while handling a POST, for the leak tests."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

FAILING_PATH = "/sign-up/"


class FailOnPostMiddleware:
    """Raise, with the posted address in locals and message, on POST /sign-up/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == FAILING_PATH:
            posted = request.POST.copy()
            address = posted["email"]
            msg = f"Middleware could not handle {address}"
            raise RuntimeError(msg)
        return self.get_response(request)
