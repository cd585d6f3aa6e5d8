"""Search every text, JSON and bytea column of the database for values."""

import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

SEARCHED_TYPES = ("text", "character varying", "character", "json", "jsonb", "bytea")


@dataclass(frozen=True)
class Finding:
    table: str
    column: str
    value_name: str

    def __str__(self) -> str:
        # Names the place and the kind of value, never the value itself.
        return f"{self.value_name} in {self.table}.{self.column}"


def searched_columns() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT table_name, column_name, data_type
            FROM information_schema.columns
            WHERE table_schema = 'public' AND data_type = ANY(%s)
            ORDER BY table_name, column_name
            """,
            [list(SEARCHED_TYPES)],
        )
        return list(cursor.fetchall())


def find_values(values: dict[str, str]) -> list[Finding]:
    """Return where each value occurs, case-insensitively, in any column.

    Session rows are also decoded, because Django stores session data as
    signed, sometimes compressed base64 that a text search cannot see into.
    """
    findings = []
    with connection.cursor() as cursor:
        for table, column, data_type in searched_columns():
            as_text = _column_as_text(column, data_type)
            query = (
                f'SELECT 1 FROM "{table}" '  # noqa: S608 - names from information_schema
                f"WHERE strpos(lower({as_text}), lower(%s)) > 0 LIMIT 1"
            )
            for name, value in values.items():
                cursor.execute(query, [value])
                if cursor.fetchone():
                    findings.append(Finding(table, column, name))
    findings.extend(_find_in_decoded_sessions(values))
    return findings


def _find_in_decoded_sessions(values: dict[str, str]) -> list[Finding]:
    decoded_sessions = [
        json.dumps(session.get_decoded(), cls=DjangoJSONEncoder).lower()
        for session in Session.objects.all()
    ]
    return [
        Finding("django_session", "session_data, decoded", name)
        for name, value in values.items()
        if any(value.lower() in decoded for decoded in decoded_sessions)
    ]


def _column_as_text(column: str, data_type: str) -> str:
    if data_type == "bytea":
        # The escape format keeps printable ASCII bytes as they are, so an
        # ASCII value stored as bytes still matches.
        return f"encode(\"{column}\", 'escape')"
    return f'"{column}"::text'


def assert_nowhere(
    values: dict[str, str], findings: Iterable[Finding] | None = None
) -> None:
    found = list(findings) if findings is not None else find_values(values)
    assert not found, "plaintext found: " + ", ".join(map(str, found))
