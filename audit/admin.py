"""The access-log viewer for the security role.

The class is registered on the staff portal by the onboarding app, because
the portal's site lives there and the audit app imports no other app.
"""

from django.contrib import admin
from django.http import HttpRequest


class AccessEventAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "actor",
        "action",
        "outcome",
        "applicant_reference",
        "field",
        "client_network",
    ]
    list_filter = ["action", "outcome", "occurred_at"]
    # Exact matches on the reference only; the log holds no personal value
    # to search for.
    search_fields = ["=applicant_reference"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor"]
    show_full_result_count = False
    fields = readonly_fields = (
        "occurred_at",
        "actor",
        "action",
        "outcome",
        "applicant_reference",
        "field",
        "reason",
        "client_network",
        "detail",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
