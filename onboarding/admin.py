"""The staff portal's pages for applicants and accounts.

No admin form here has an input for an encrypted field, and every column or
detail row that concerns personal data shows the mask that the PII
inventory declares for it. A full value appears only on the reveal page,
after its checks. Staff never see their own applicant record, never add
applicants and never edit what applicants entered; every detail view and
search is recorded in the access log.
"""

import csv
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from audit.admin import AccessEventAdmin, ChangeEntryAdmin
from audit.models import AccessEvent, ChangeEntry
from audit.services import access_event_record
from onboarding import selectors
from onboarding.models import Applicant, User
from onboarding.pii import APPLICANT, USER
from onboarding.roles import holds_permission
from onboarding.staff import legal_hold, reveals, views
from onboarding.staff.site import staff_portal
from onboarding.staff.views import staff_member
from vault.admin_helpers import masked_display
from vault.inventory import mask
from vault.masking import HIDDEN

staff_portal.register(Group, GroupAdmin)
staff_portal.register(AccessEvent, AccessEventAdmin)
staff_portal.register(ChangeEntry, ChangeEntryAdmin)


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
    # The search box needs a search field to appear; get_search_results
    # replaces Django's substring search with exact blind-index lookups.
    search_fields = ["reference"]
    search_help_text = _(
        "An exact email address, a phone number with its country code "
        "(+44 20 7946 0000), or a reference (APL-XXXX-XXXX-XXXX)."
    )
    show_full_result_count = False
    actions = ["export_masked_csv"]
    change_form_template = "admin/onboarding/applicant/change_form.html"
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

    @admin.display(description=_("national id"))
    def masked_national_id(self, applicant: Applicant) -> str:
        if applicant.national_id:
            return mask(applicant.national_id, APPLICANT, "national_id")
        # Minimization keeps the last four characters, which are what the
        # mask of the full number shows.
        if applicant.national_id_last4:
            return f"{HIDDEN} {HIDDEN} {applicant.national_id_last4}"
        return ""

    # Lookups the list accepts in its URL: the status filter and the
    # reference list that the posted search redirects to. Django's admin
    # would otherwise accept a lookup on any field, such as
    # ?phone_index__startswith=, which narrows rows by personal data.
    ALLOWED_LOOKUPS = frozenset({"status", "status__exact", "reference__in"})

    def lookup_allowed(self, lookup: str, value: str, request: Any = None) -> bool:
        return lookup in self.ALLOWED_LOOKUPS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Applicant]:
        # A staff member's own application is invisible to them, so they can
        # neither view nor reveal nor decide it.
        return super().get_queryset(request).exclude(user_id=request.user.pk)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Applicant], search_term: str
    ) -> tuple[QuerySet[Applicant], bool]:
        # Terms in the URL (?q=) match references only. An email address or
        # phone number goes through the posted search form (views.search),
        # so it never lands in a URL, a browser's history or an access log.
        if not search_term.strip():
            return queryset, False
        if selectors.search_kind(search_term) != "reference":
            return queryset.none(), False
        return selectors.applicants_matching(queryset, search_term), False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        term = request.GET.get("q", "").strip()
        if term and self.has_view_permission(request):
            access_event_record(
                actor=staff_member(request),
                action=AccessEvent.Action.SEARCH,
                request=request,
                detail={"kind": selectors.search_kind(term)},
            )
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        applicant = self.get_object(request, object_id)
        if applicant is not None and self.has_view_permission(request, applicant):
            access_event_record(
                actor=staff_member(request),
                action=AccessEvent.Action.VIEW,
                request=request,
                applicant_reference=applicant.reference,
            )
            extra_context = {
                **(extra_context or {}),
                **self._actions_context(request, applicant),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _actions_context(
        self, request: HttpRequest, applicant: Applicant
    ) -> dict[str, Any]:
        user = staff_member(request)
        return {
            "revealable_fields": [
                (name, target.declaration.field.replace("_", " "))
                for name, target in reveals.REVEAL_TARGETS.items()
                if target.declaration.reveal_permission
                and holds_permission(user, target.declaration.reveal_permission)
                and applicant.status != Applicant.Status.ERASED
            ],
            "pending_reveal_requests": reveals.pending_reveal_requests(
                actor=user, applicant=applicant
            ),
            "can_decide": user.has_perm("onboarding.decide_applicant")
            and applicant.status == Applicant.Status.SUBMITTED,
            # An erased application keeps no user.
            "can_resend_verification": user.has_perm("onboarding.resend_verification")
            and applicant.user is not None
            and not applicant.user.is_email_verified,
            **legal_hold.detail_context(user, applicant),
        }

    def get_urls(self) -> list[URLPattern]:
        def wrap(view: Any) -> Any:
            return self.admin_site.admin_view(partial(view, model_admin=self))

        own_urls = [
            path(
                "search/",
                wrap(views.search),
                name="onboarding_applicant_search",
            ),
            path(
                "<str:reference>/reveal/<str:field>/",
                wrap(views.reveal),
                name="onboarding_applicant_reveal",
            ),
            path(
                "<str:reference>/reveal-requests/<int:pk>/approve/",
                wrap(views.approve_reveal),
                name="onboarding_applicant_approve_reveal",
            ),
            path(
                "<str:reference>/decide/",
                wrap(views.decide),
                name="onboarding_applicant_decide",
            ),
            path(
                "<str:reference>/resend-verification/",
                wrap(views.resend_verification),
                name="onboarding_applicant_resend_verification",
            ),
        ]
        return own_urls + legal_hold.urls(wrap) + super().get_urls()

    def step_up_seconds(self) -> int:
        return settings.STAFF_STEP_UP_SECONDS

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("onboarding.export_applicant")

    @admin.action(
        description=_("Export selected as CSV, masked"), permissions=["export"]
    )
    def export_masked_csv(
        self, request: HttpRequest, queryset: QuerySet[Applicant]
    ) -> HttpResponse:
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="applicants.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["reference", "status", "email", "legal name", "phone", "submitted"]
        )
        references = []
        for applicant in queryset.select_related("user"):
            writer.writerow(
                [
                    applicant.reference,
                    applicant.status,
                    mask(applicant.user.email if applicant.user else "", USER, "email"),
                    mask(applicant.legal_name, APPLICANT, "legal_name"),
                    mask(applicant.phone, APPLICANT, "phone"),
                    applicant.submitted_at.isoformat()
                    if applicant.submitted_at
                    else "",
                ]
            )
            references.append(applicant.reference)
        # The entry names every exported applicant, so searching the access
        # log for a reference finds the exports that contained it.
        access_event_record(
            actor=staff_member(request),
            action=AccessEvent.Action.EXPORT,
            request=request,
            detail={
                "rows": len(references),
                "format": "csv, masked",
                "references": references,
            },
        )
        return response


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
