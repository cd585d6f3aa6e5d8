"""The audit viewers for the security role: the access log and the change
history, read-only, with the same filters and the same CSV export.

The classes are registered on the staff portal by the onboarding app,
because the portal's site lives there and the audit app imports no other
app. Both viewers show ids, public references and field names. The only
free text, an access event's reason, may name a person, so the viewers show
its length, and reading it is an access event of its own.
"""

from collections.abc import Callable
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from audit.admin_filters import DateRangeFilter
from audit.exports import ACCESS_EVENT_COLUMNS, CHANGE_ENTRY_COLUMNS, csv_lines
from audit.models import AccessEvent, ChangeEntry
from audit.services import access_event_record


class AuditViewerAdmin(admin.ModelAdmin):
    """Read-only list and detail pages with a CSV export of the filtered rows."""

    change_list_template = "admin/audit/change_list.html"
    show_full_result_count = False
    list_select_related = ["actor"]
    csv_columns: dict[str, Callable[[Any], Any]] = {}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        export = path(
            "export.csv",
            self.admin_site.admin_view(self.export_csv_view),
            name=f"{opts.app_label}_{opts.model_name}_export",
        )
        return [export, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        opts = self.model._meta
        url = reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_export"
        )
        query = request.GET.urlencode()
        extra_context = {
            **(extra_context or {}),
            "csv_export_url": f"{url}?{query}" if query else url,
        }
        return super().changelist_view(request, extra_context)

    def export_csv_view(self, request: HttpRequest) -> HttpResponseBase:
        """Return the rows that the same filters select, as CSV, and log it.

        The export itself is an access event, naming the table and the row
        count.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("The filters of this export are invalid."))
        table = self.model._meta.db_table
        # admin_view lets only signed-in staff reach this view.
        access_event_record(
            actor=cast(AbstractBaseUser, request.user),
            action=AccessEvent.Action.EXPORT,
            request=request,
            detail={"table": table, "rows": queryset.count(), "format": "csv"},
        )
        response = StreamingHttpResponse(
            csv_lines(queryset, self.csv_columns), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{table}.csv"'
        return response


class AccessEventAdmin(AuditViewerAdmin):
    list_display = [
        "id",
        "occurred_at",
        "actor",
        "action",
        "outcome",
        "applicant_reference",
        "field",
        "client_network",
        "request_id",
    ]
    list_filter = [
        ("occurred_at", DateRangeFilter),
        "action",
        "outcome",
        ("actor", admin.RelatedOnlyFieldListFilter),
    ]
    # Exact matches only, because the log contains no personal value to
    # search for.
    search_fields = ["=applicant_reference", "=request_id"]
    search_help_text = _("An exact applicant reference or request id.")

    def get_search_results(
        self, request: HttpRequest, queryset: Any, search_term: str
    ) -> tuple[Any, bool]:
        # An export names its applicants in detail["references"], so a
        # reference finds the exports that contained it too.
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        term = search_term.strip().upper()
        if not term:
            return results, may_have_duplicates
        exports = queryset.filter(detail__references__contains=[term])
        return results | exports, may_have_duplicates

    date_hierarchy = "occurred_at"
    csv_columns = ACCESS_EVENT_COLUMNS
    fields = readonly_fields = (
        "id",
        "occurred_at",
        "actor",
        "action",
        "outcome",
        "applicant_reference",
        "field",
        "reason_summary",
        "client_network",
        "request_id",
        "detail",
        "chain_hash",
    )

    @admin.display(description=_("reason"))
    def reason_summary(self, event: AccessEvent) -> str:
        if not event.reason:
            return "-"
        url = reverse(
            f"{self.admin_site.name}:audit_accessevent_reason", args=[event.pk]
        )
        length = ngettext(
            "Given, %(count)d character.",
            "Given, %(count)d characters.",
            len(event.reason),
        ) % {"count": len(event.reason)}
        return format_html('{} <a href="{}">{}</a>', length, url, _("Read it"))

    def get_urls(self) -> list[URLPattern]:
        reason = path(
            "<int:event_id>/reason/",
            self.admin_site.admin_view(self.reason_view),
            name="audit_accessevent_reason",
        )
        return [reason, *super().get_urls()]

    @method_decorator(require_http_methods(["GET", "POST"]))
    def reason_view(self, request: HttpRequest, event_id: int) -> HttpResponse:
        """Show an event's reason after a POST that records the reading.

        The GET page only shows a button, so a prefetched or shared link
        reads nothing.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        event = get_object_or_404(AccessEvent, pk=event_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Reason of access event %(id)s") % {"id": event.pk},
            "event": event,
            "change_url": reverse(
                f"{self.admin_site.name}:audit_accessevent_change", args=[event.pk]
            ),
        }
        if request.method == "POST":
            access_event_record(
                actor=cast(AbstractBaseUser, request.user),
                action=AccessEvent.Action.REASON_READ,
                request=request,
                detail={"event": event.pk},
            )
            context["reason"] = event.reason
        return TemplateResponse(request, "admin/audit/accessevent/reason.html", context)


class ChangeEntryAdmin(AuditViewerAdmin):
    list_display = [
        "id",
        "timestamp",
        "actor",
        "action",
        "content_type",
        "object_repr",
        "changed_fields",
        "client_network",
        "cid",
    ]
    list_filter = [
        ("timestamp", DateRangeFilter),
        "action",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["=object_repr", "=cid"]
    search_help_text = _(
        "An exact applicant reference, user id (for changes to an account) "
        "or request id."
    )
    date_hierarchy = "timestamp"
    list_select_related = ["actor", "content_type"]
    csv_columns = CHANGE_ENTRY_COLUMNS
    fields = readonly_fields = (
        "id",
        "timestamp",
        "actor",
        "action",
        "content_type",
        "object_pk",
        "object_repr",
        "changes",
        "client_network",
        "cid",
        "chain_hash",
    )

    @admin.display(description=_("changed fields"))
    def changed_fields(self, entry: ChangeEntry) -> str:
        return ", ".join(sorted(entry.changes or {}))
