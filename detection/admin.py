"""The security dashboard and the reveal suspensions, in the staff portal.

Both pages are open to the Security role only: other roles lack the view
permissions and get 403. Acknowledging events and restoring reveal rights
are admin actions, so they arrive as POST with a CSRF token, and each one
writes an access-log entry through audit.triage.
"""

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.models import RevealSuspension, SecurityEvent
from audit.triage import reveal_rights_restore, security_events_acknowledge
from detection.dashboard import dashboard_context
from onboarding.admin import ReadOnlyAdmin
from onboarding.staff.site import staff_portal


@admin.register(SecurityEvent, site=staff_portal)
class SecurityEventAdmin(ReadOnlyAdmin):
    change_list_template = "admin/audit/securityevent/change_list.html"
    list_display = [
        "id",
        "created_at",
        "severity",
        "rule",
        "count",
        "source",
        "status",
        "alert_state",
    ]
    list_filter = ["status", "severity", "rule", "alert_state"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["acknowledge"]
    fields = readonly_fields = (
        "id",
        "created_at",
        "severity",
        "rule",
        "count",
        "references",
        "source",
        "detail",
        "status",
        "acknowledged_by",
        "acknowledged_at",
        "alert_state",
        "alerted_at",
    )

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("audit.acknowledge_securityevent")

    @admin.action(
        description=_("Acknowledge selected events"), permissions=["acknowledge"]
    )
    def acknowledge(
        self, request: HttpRequest, queryset: QuerySet[SecurityEvent]
    ) -> None:
        done = security_events_acknowledge(
            actor=cast(AbstractBaseUser, request.user), events=queryset, request=request
        )
        messages.success(
            request,
            ngettext(
                "%(count)d event acknowledged.",
                "%(count)d events acknowledged.",
                done,
            )
            % {"count": done},
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), **dashboard_context()}
        return super().changelist_view(request, extra_context)


@admin.register(RevealSuspension, site=staff_portal)
class RevealSuspensionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "user",
        "suspended_at",
        "security_event",
        "restored_by",
        "restored_at",
    ]
    list_filter = [("restored_at", admin.EmptyFieldListFilter)]
    list_select_related = ["security_event"]
    actions = ["restore"]
    fields = readonly_fields = (
        "id",
        "user",
        "suspended_at",
        "security_event",
        "restored_by",
        "restored_at",
    )

    def has_restore_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("audit.restore_reveal_right")

    @admin.action(description=_("Restore the reveal right"), permissions=["restore"])
    def restore(
        self, request: HttpRequest, queryset: QuerySet[RevealSuspension]
    ) -> None:
        done = reveal_rights_restore(
            actor=cast(AbstractBaseUser, request.user),
            suspensions=queryset,
            request=request,
        )
        messages.success(
            request,
            ngettext(
                "%(count)d reveal right restored.",
                "%(count)d reveal rights restored.",
                done,
            )
            % {"count": done},
        )
