"""The admin site that serves the staff portal."""

from typing import Any, cast

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext_lazy as _

from onboarding.staff import two_factor


class StaffPortal(admin.AdminSite):
    """Django's admin, open only to staff who passed a second factor.

    Signing in takes a password and then a TOTP or backup code, through the
    views in ``two_factor``. A session that has passed the password step
    alone is authenticated but not verified, and every portal page rejects
    it.
    """

    site_header = _("Secure onboarding: staff portal")
    site_title = _("Staff portal")
    index_title = _("Applicants and accounts")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and two_factor.is_verified(request.user)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        view = two_factor.PasswordSignInView.as_view(admin_site=self)
        # LoginView returns a page or a redirect, both HttpResponse objects.
        return cast(HttpResponse, view(request))

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [*two_factor.portal_urls(self), *super().get_urls()]


staff_portal = StaffPortal(name="staff")
