"""Sign staff members out after a period without requests."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

SESSION_LAST_REQUEST_AT = "staff_last_request_at"


class StaffIdleTimeoutMiddleware:
    """Sign out a staff session idle for more than STAFF_IDLE_TIMEOUT seconds.

    Each request by a staff member, half or fully signed in, stores its time
    in the session. A request that comes later than the limit after the
    previous one signs the session out and goes to the portal's sign-in
    page. Applicants' sessions are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_staff:
            now = timezone.now()
            if _idle_too_long(request, now):
                return _sign_out(request)
            request.session[SESSION_LAST_REQUEST_AT] = now.isoformat()
        return self.get_response(request)


def _idle_too_long(request: HttpRequest, now: datetime.datetime) -> bool:
    stored = request.session.get(SESSION_LAST_REQUEST_AT)
    if stored is None:
        return False
    try:
        last_request_at = datetime.datetime.fromisoformat(stored)
    except (TypeError, ValueError):
        # A session with an unreadable time is treated as expired.
        return True
    limit = datetime.timedelta(seconds=settings.STAFF_IDLE_TIMEOUT)
    return now - last_request_at > limit


def _sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    minutes = max(1, round(settings.STAFF_IDLE_TIMEOUT / 60))
    message = ngettext(
        "You were signed out after %(minutes)d minute without activity. "
        "Sign in again to go on.",
        "You were signed out after %(minutes)d minutes without activity. "
        "Sign in again to go on.",
        minutes,
    )
    messages.info(request, message % {"minutes": minutes})
    login_url = reverse("staff:login")
    # Only a page that was being read is worth returning to. A form posted
    # to a signed-out session is not replayed.
    if request.method != "GET":
        return HttpResponseRedirect(login_url)
    return redirect_to_login(request.get_full_path(), login_url)
