"""The admin site that serves the staff portal."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class StaffPortal(admin.AdminSite):
    site_header = _("Secure onboarding: staff portal")
    site_title = _("Staff portal")
    index_title = _("Applicants and accounts")


staff_portal = StaffPortal(name="staff")
