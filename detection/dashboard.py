"""Read security events for the dashboard: a chart by day and top lists.

The chart is server-rendered SVG, because the Content-Security-Policy
allows no inline script or style. This module computes each bar's
geometry, so the template only places rectangles.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from audit.models import SecurityEvent

CHART_DAYS = 14
TOP_LIST_DAYS = 30
TOP_LIST_LENGTH = 5
CHART_HEIGHT = 120
BAR_WIDTH = 28
BAR_GAP = 8
# Severities from the bottom of a bar to its top.
SEVERITY_ORDER = (
    SecurityEvent.Severity.WARNING,
    SecurityEvent.Severity.HIGH,
    SecurityEvent.Severity.CRITICAL,
)


@dataclass(frozen=True)
class Segment:
    """The part of one day's bar that one severity takes, in SVG units."""

    severity: str
    count: int
    y: int
    height: int


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    total: int
    x: int
    segments: list[Segment]


def events_by_day(days: int = CHART_DAYS) -> list[Bar]:
    """Return one bar per day, oldest first, ending today."""
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=days - 1)
    rows = (
        SecurityEvent.objects.filter(created_at__date__gte=first_day)
        .annotate(day=TruncDate("created_at"))
        .values("day", "severity")
        .annotate(events=Count("id"))
    )
    counts = {(row["day"], row["severity"]): row["events"] for row in rows}
    totals = [
        sum(
            counts.get((first_day + datetime.timedelta(days=n), s), 0)
            for s in SEVERITY_ORDER
        )
        for n in range(days)
    ]
    scale = CHART_HEIGHT / max(1, *totals)
    bars = []
    for n in range(days):
        day = first_day + datetime.timedelta(days=n)
        bars.append(
            Bar(
                day, totals[n], n * (BAR_WIDTH + BAR_GAP), _segments(counts, day, scale)
            )
        )
    return bars


def _segments(
    counts: dict[tuple[datetime.date, str], int], day: datetime.date, scale: float
) -> list[Segment]:
    segments = []
    top = CHART_HEIGHT
    for severity in SEVERITY_ORDER:
        count = counts.get((day, severity), 0)
        if not count:
            continue
        height = max(1, round(count * scale))
        top -= height
        segments.append(Segment(severity, count, top, height))
    return segments


def top_values(field: str, *, days: int = TOP_LIST_DAYS) -> list[dict[str, object]]:
    """Return the most frequent values of ``field`` with their event counts."""
    since = timezone.now() - datetime.timedelta(days=days)
    return list(
        SecurityEvent.objects.filter(created_at__gte=since)
        .exclude(**{field: ""})
        .values(field)
        .annotate(events=Count("id"))
        .order_by("-events", field)[:TOP_LIST_LENGTH]
    )


def dashboard_context() -> dict[str, object]:
    """Return everything the dashboard shows above the event list."""
    bars = events_by_day()
    return {
        "chart_bars": bars,
        "chart_width": len(bars) * (BAR_WIDTH + BAR_GAP),
        "chart_height": CHART_HEIGHT,
        "chart_label_y": CHART_HEIGHT + 14,
        "bar_width": BAR_WIDTH,
        "top_rules": top_values("rule"),
        "top_sources": top_values("source"),
        "top_list_days": TOP_LIST_DAYS,
        "open_events": SecurityEvent.objects.filter(
            status=SecurityEvent.Status.OPEN
        ).count(),
    }
