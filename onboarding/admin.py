"""The staff portal: Django's admin, showing personal data masked only.

No admin form here has an input for an encrypted field, and every column or
detail row that concerns personal data shows the mask that the PII
inventory declares for it. Staff do not add applicants or edit what
applicants entered.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onboarding.models import Applicant, User
from onboarding.pii import APPLICANT, USER
from onboarding.staff.site import staff_portal
from vault.admin_helpers import masked_display

staff_portal.register(Group, GroupAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Applicant, site=staff_portal)
class ApplicantAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "status",
        "masked_email",
        "masked_legal_name",
        "masked_phone",
        "submitted_at",
    ]
    list_filter = ["status"]
    list_select_related = ["user"]
    # An exact match on the opaque reference only: no substring search runs
    # over personal data.
    search_fields = ["=reference"]
    show_full_result_count = False
    fields = readonly_fields = (
        "reference",
        "status",
        "masked_email",
        "masked_legal_name",
        "masked_date_of_birth",
        "masked_phone",
        "masked_address",
        "national_id_country",
        "masked_national_id",
        "consented_at",
        "submitted_at",
        "created_at",
    )

    masked_email = masked_display(USER, "email", path="user.email")
    masked_legal_name = masked_display(APPLICANT, "legal_name")
    masked_date_of_birth = masked_display(APPLICANT, "date_of_birth")
    masked_phone = masked_display(APPLICANT, "phone")
    masked_address = masked_display(
        APPLICANT, "address_line1", description=_("postal address")
    )
    masked_national_id = masked_display(APPLICANT, "national_id")


@admin.register(User, site=staff_portal)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["id", "masked_email", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    fields = readonly_fields = (
        "id",
        "masked_email",
        "email_verified_at",
        "is_staff",
        "is_superuser",
        "is_active",
        "groups",
        "date_joined",
        "last_login",
    )

    masked_email = masked_display(USER, "email")
