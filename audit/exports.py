"""CSV exports of the audit viewers: ids, names and counts, no personal data.

The access log's ``reason`` column is left out. It is free text that a
staff member wrote, so it may mention personal data, and the viewer shows
it one entry at a time only.
"""

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from audit.models import AccessEvent, ChangeEntry

# A spreadsheet treats a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

ACCESS_EVENT_COLUMNS: dict[str, Callable[[AccessEvent], Any]] = {
    "id": lambda event: event.pk,
    "occurred_at": lambda event: event.occurred_at.isoformat(),
    "actor_id": lambda event: event.actor_id or "",
    "action": lambda event: event.action,
    "outcome": lambda event: event.outcome,
    "applicant_reference": lambda event: event.applicant_reference,
    "field": lambda event: event.field,
    "client_network": lambda event: event.client_network,
    "request_id": lambda event: event.request_id,
    "detail": lambda event: json.dumps(event.detail, sort_keys=True),
    "chain_hash": lambda event: event.chain_hash,
}

CHANGE_ENTRY_COLUMNS: dict[str, Callable[[ChangeEntry], Any]] = {
    "id": lambda entry: entry.pk,
    "timestamp": lambda entry: entry.timestamp.isoformat(),
    "actor_id": lambda entry: entry.actor_id or "",
    "action": lambda entry: entry.get_action_display(),
    "model": lambda entry: f"{entry.content_type.app_label}.{entry.content_type.model}",
    "object_reference": lambda entry: entry.object_repr,
    "changes": lambda entry: json.dumps(entry.changes, sort_keys=True),
    "request_id": lambda entry: entry.cid or "",
    "client_network": lambda entry: entry.client_network,
    "chain_hash": lambda entry: entry.chain_hash,
}


class _LineBuffer:
    """A file-like object whose write() returns the line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(
    queryset: QuerySet, columns: dict[str, Callable[[Any], Any]]
) -> Iterator[str]:
    """Yield the CSV header and one line per row, reading rows in chunks."""
    writer = csv.writer(_LineBuffer())
    yield writer.writerow(list(columns))
    for row in queryset.iterator(chunk_size=2000):
        yield writer.writerow(_safe_cells(getter(row) for getter in columns.values()))


def _safe_cells(cells: Iterable[Any]) -> list[str]:
    # A leading apostrophe keeps a spreadsheet from running a cell as a
    # formula. No column here starts with one of those characters on purpose.
    safe = []
    for cell in cells:
        text = str(cell)
        safe.append(f"'{text}" if text.startswith(FORMULA_PREFIXES) else text)
    return safe
