"""Error views whose pages repeat nothing the client sent."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Render the page for a form whose CSRF check failed, with status 403.

    Django's default page shows ``reason``, which can repeat the Referer or
    Origin header. CsrfViewMiddleware already logs it, redacted, on the
    django.security.csrf logger, so the page leaves it out.
    """
    return render(request, "403_csrf.html", status=403)
