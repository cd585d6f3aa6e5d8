"""Two-factor sign-in to the staff portal, built on django-otp.

Signing in takes two steps. The password step calls Django's login(), so
the session is authenticated but not verified, and the portal's
has_permission rejects it. The second step checks a TOTP code or a backup
code and verifies the session with django_otp.login(). A staff member
without a confirmed TOTP device enrols one on the second step instead and
receives backup codes, shown once. The step-up page requests a code again
before actions that need a recent check, such as a reveal.
"""

import datetime
import logging
from base64 import b32encode
from functools import partial
from io import BytesIO
from typing import Any
from urllib.parse import quote, urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessEvent
from audit.services import access_event_record
from onboarding.staff.two_factor_forms import (
    EnrolmentForm,
    SecondFactorForm,
    StaffAuthenticationForm,
)

logger = logging.getLogger(__name__)

# The time of the session's last successful second-factor check, as an ISO
# 8601 timestamp. otp_verified_recently() reads it.
OTP_VERIFIED_AT_SESSION_KEY = "staff_otp_verified_at"
BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def is_verified(user: Any) -> bool:
    """Return whether django-otp verified this session's user with a device.

    OTPMiddleware gives request.user an is_verified() method. A user without
    it, on a request that bypassed the middleware, counts as unverified.
    """
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def otp_verified_recently(request: HttpRequest, max_age_seconds: int) -> bool:
    """Return whether the session passed a second-factor check lately.

    True only for a verified session whose last TOTP or backup-code check,
    at sign-in or on the step-up page, is at most ``max_age_seconds`` old.
    """
    if not is_verified(request.user):
        return False
    try:
        verified_at = datetime.datetime.fromisoformat(
            request.session.get(OTP_VERIFIED_AT_SESSION_KEY, "")
        )
    except (TypeError, ValueError):
        return False
    age = timezone.now() - verified_at
    return datetime.timedelta(0) <= age <= datetime.timedelta(seconds=max_age_seconds)


# Devices and session state


def _is_staff_signed_in(user: Any) -> bool:
    """Return whether a staff member passed the password step."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def _confirmed_totp_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def _pending_totp_device(user: Any) -> TOTPDevice | None:
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=False)
    return devices.order_by("id").first()


def _pending_or_new_totp_device(user: Any) -> TOTPDevice:
    # Reusing the pending device keeps the secret the same when the
    # enrolment page is loaded again, as the QR code image does.
    device = _pending_totp_device(user)
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False
        )
    return device


def _replace_backup_codes(user: Any) -> list[str]:
    """Give ``user`` a new set of backup codes and return them.

    Earlier codes stop working. django-otp stores each code as it is and
    deletes it once used.
    """
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    return codes


def _mark_verified(request: HttpRequest, device: Any, *, new_session: bool) -> None:
    """Verify the session with ``device`` and record the time of the check.

    Passing the second factor at sign-in raises the session's privileges,
    so it gets a new key then, as Django's login() does for the password.
    """
    if new_session:
        request.session.cycle_key()
    django_otp.login(request, device)
    request.session[OTP_VERIFIED_AT_SESSION_KEY] = timezone.now().isoformat()


def provisioning_uri(device: TOTPDevice) -> str:
    """Return the otpauth:// URI that an authenticator app reads.

    TOTPDevice.config_url labels the account with the username, which here
    is the e-mail address, so this label uses the masked address instead.
    """
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = quote(f"{issuer}:{device.user.get_short_name()}")
    parameters = {
        "secret": b32encode(device.bin_key).decode(),
        "issuer": issuer,
        "algorithm": "SHA1",
        "digits": device.digits,
        "period": device.step,
    }
    return f"otpauth://totp/{label}?{urlencode(parameters, quote_via=quote)}"


def _readable_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


# URLs and rendering


def _portal_url(admin_site: AdminSite, name: str, next_url: str = "") -> str:
    url = reverse(f"{admin_site.name}:{name}")
    if not next_url:
        return url
    return f"{url}?{urlencode({'next': next_url}, safe='/')}"


def _requested_next(request: HttpRequest) -> str:
    """Return the posted or requested ``next`` URL if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    is_safe = url_has_allowed_host_and_scheme(
        candidate,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    )
    return candidate if is_safe else ""


def _redirect_onward(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    return HttpResponseRedirect(
        _requested_next(request) or _portal_url(admin_site, "index")
    )


def _second_step_url(admin_site: AdminSite, user: Any, next_url: str) -> str:
    step = "two_factor" if _confirmed_totp_device(user) else "two_factor_enrol"
    return _portal_url(admin_site, step, next_url)


def _render(
    request: HttpRequest,
    admin_site: AdminSite,
    template: str,
    context: dict[str, Any],
) -> TemplateResponse:
    request.current_app = admin_site.name
    return TemplateResponse(
        request, template, {**admin_site.each_context(request), **context}
    )


# Views


class PasswordSignInView(LoginView):
    """The password step, served at the portal's login URL.

    A staff member who has passed it goes on to the second step, and a
    fully verified one goes straight to the portal.
    """

    # The portal passes its site to as_view(), which accepts only names that
    # the class defines.
    admin_site: AdminSite = None  # type: ignore[assignment]
    authentication_form = StaffAuthenticationForm
    template_name = "staff/sign_in.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        request.current_app = self.admin_site.name

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.admin_site.has_permission(request):
            return _redirect_onward(request, self.admin_site)
        if _is_staff_signed_in(request.user):
            return HttpResponseRedirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def get_success_url(self) -> str:
        return _second_step_url(
            self.admin_site, self.request.user, self.get_redirect_url()
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.admin_site.each_context(self.request))
        user = self.request.user
        context["title"] = _("Sign in to the staff portal")
        context["signed_in_without_access"] = (
            user.is_authenticated and not _is_staff_signed_in(user)
        )
        return context


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    """Check a TOTP code or a backup code after the password step."""
    user = request.user
    if not _is_staff_signed_in(user):
        return HttpResponseRedirect(_portal_url(admin_site, "login"))
    if is_verified(user):
        return _redirect_onward(request, admin_site)
    device = _confirmed_totp_device(user)
    if device is None:
        return HttpResponseRedirect(
            _portal_url(admin_site, "two_factor_enrol", _requested_next(request))
        )

    form = SecondFactorForm(
        user, request, data=request.POST or None, initial=_device_choice(device)
    )
    if request.method == "POST":
        if form.is_valid():
            _mark_verified(request, form.get_user().otp_device, new_session=True)
            return _redirect_onward(request, admin_site)
        _second_factor_failed(user, "sign_in")
    context = {
        "title": _("Enter your code"),
        "form": form,
        "next": _requested_next(request),
    }
    return _render(request, admin_site, "staff/two_factor.html", context)


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    """Add an authenticator app on first sign-in, then show backup codes.

    The backup codes appear in this response only. No other page shows
    them, and the session does not keep them.
    """
    user = request.user
    if not _is_staff_signed_in(user):
        return HttpResponseRedirect(_portal_url(admin_site, "login"))
    next_url = _requested_next(request)
    if _confirmed_totp_device(user) is not None:
        return HttpResponseRedirect(_portal_url(admin_site, "two_factor", next_url))

    device = _pending_or_new_totp_device(user)
    form = EnrolmentForm(device, data=request.POST or None)
    if request.method == "POST" and not form.is_valid():
        _second_factor_failed(user, "enrol")
    elif request.method == "POST":
        with transaction.atomic():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _replace_backup_codes(user)
        _mark_verified(request, device, new_session=True)
        context = {
            "title": _("Your backup codes"),
            "codes": codes,
            "continue_url": next_url or _portal_url(admin_site, "index"),
        }
        return _render(request, admin_site, "staff/backup_codes.html", context)

    context = {
        "title": _("Set up two-factor authentication"),
        "form": form,
        "secret": _readable_secret(device),
        "qr_code_url": _portal_url(admin_site, "two_factor_qr_code"),
        "next": next_url,
    }
    return _render(request, admin_site, "staff/enrol.html", context)


@never_cache
@require_GET
def enrolment_qr_code(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    """Return the QR code of the pending TOTP device as an SVG image.

    The Content-Security-Policy allows images only from this site, so the
    code cannot be inlined as a data: URI and is served from here instead.
    """
    user = request.user
    if not _is_staff_signed_in(user) or _confirmed_totp_device(user) is not None:
        raise PermissionDenied
    device = _pending_totp_device(user)
    if device is None:
        raise Http404
    image = BytesIO()
    segno.make(provisioning_uri(device), error="m").save(image, kind="svg", scale=5)
    return HttpResponse(image.getvalue(), content_type="image/svg+xml")


@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def step_up(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    """Ask a verified staff member for a code again, then go to ``next``.

    The portal wraps this view with admin_view, so only verified sessions
    reach it. A ``next`` URL on another site is ignored in favour of the
    portal's index.
    """
    user = request.user
    device = _confirmed_totp_device(user)
    form = SecondFactorForm(
        user, request, data=request.POST or None, initial=_device_choice(device)
    )
    if request.method == "POST":
        if form.is_valid():
            _mark_verified(request, form.get_user().otp_device, new_session=False)
            return _redirect_onward(request, admin_site)
        _second_factor_failed(user, "step_up")
    context = {
        "title": _("Confirm it is you"),
        "form": form,
        "next": _requested_next(request),
    }
    return _render(request, admin_site, "staff/step_up.html", context)


def _second_factor_failed(user: Any, step: str) -> None:
    """Log and audit a rejected code; ``step`` names the page that took it."""
    logger.warning("Second-factor check failed for staff user %s at %s.", user.pk, step)
    access_event_record(
        actor=user,
        action=AccessEvent.Action.OTP_FAILED,
        outcome=AccessEvent.Outcome.DENIED,
        detail={"step": step},
    )


def _device_choice(device: TOTPDevice | None) -> dict[str, str]:
    return {"otp_device": device.persistent_id} if device else {}


def portal_urls(admin_site: AdminSite) -> list[URLPattern]:
    """Return the sign-in URLs, which go before the admin's own.

    Only the step-up page requires a verified session. The others serve a
    session that has passed the password step only, and so does the logout
    URL, which the admin would otherwise reject until the second step.
    """

    def bound(view: Any) -> Any:
        return partial(view, admin_site=admin_site)

    return [
        path("logout/", admin_site.logout, name="logout"),
        path("two-factor/", bound(verify), name="two_factor"),
        path("two-factor/enrol/", bound(enrol), name="two_factor_enrol"),
        path(
            "two-factor/enrol/qr-code.svg",
            bound(enrolment_qr_code),
            name="two_factor_qr_code",
        ),
        path("step-up/", admin_site.admin_view(bound(step_up)), name="step_up"),
    ]
