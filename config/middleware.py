"""Middleware of the deployment: the health check and Permissions-Policy."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The liveness path that container health checks and load balancers request.
HEALTH_CHECK_PATH = "/healthz/"


class HealthCheckMiddleware:
    """Return 200 for ``GET /healthz/`` before any other middleware runs.

    A health check connects to the container's own address over plain HTTP,
    so in production ``ALLOWED_HOSTS`` would reject its Host header and the
    HTTPS redirect would return 301. This middleware runs first and returns a
    fixed body that depends on no request data, no database and no cache, so
    it reports only that the application process serves requests.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_CHECK_PATH and request.method in {"GET", "HEAD"}:
            response = HttpResponse("ok", content_type="text/plain")
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Add the Permissions-Policy header built from ``PERMISSIONS_POLICY``.

    The setting maps a browser feature to the origins allowed to use it. An
    empty list denies the feature to every origin, this site included.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header_value = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header_value)
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """Return the header value, such as ``camera=(), fullscreen=(self)``."""
    return ", ".join(
        f"{feature}=({' '.join(origins)})" for feature, origins in policy.items()
    )
