"""A time-range filter for the audit viewers' sidebars."""

import datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone


class DateRangeFilter(admin.DateFieldListFilter):
    """Django's date filter links, plus a form for any from-until range.

    The form sends the same ``__gte`` and ``__lt`` parameters as the links,
    as dates (YYYY-MM-DD) that count from midnight in the current time zone.
    The ``until`` date is excluded, as in the links.
    """

    template = "admin/audit/date_range_filter.html"

    def choices(self, changelist: Any) -> Any:
        # The form must send the other active filters along with its own.
        others = changelist.get_query_string(remove=[self.field_generic])
        self.preserved_parameters = list(QueryDict(others.lstrip("?")).items())
        self.since_value = self.date_params.get(self.lookup_kwarg_since, "")[:10]
        self.until_value = self.date_params.get(self.lookup_kwarg_until, "")[:10]
        yield from super().choices(changelist)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        bounds = {}
        for name in (self.lookup_kwarg_since, self.lookup_kwarg_until):
            values = self.used_parameters.get(name)
            if values:
                value = values[-1] if isinstance(values, list) else values
                bounds[name] = _moment(str(value))
        return queryset.filter(**bounds)


def _moment(value: str) -> datetime.datetime:
    """Return a date or date-time parameter as an aware date-time."""
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise IncorrectLookupParameters(error) from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
