"""Search every text, JSON and bytea column of the database for values."""

from collections.abc import Iterable
from dataclasses import dataclass

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
    """Return where each value occurs, case-insensitively, in any column."""
    findings = []
    with connection.cursor() as cursor:
        for table, column, data_type in searched_columns():
            as_text = _column_as_text(column, data_type)
            for name, value in values.items():
                cursor.execute(
                    f'SELECT 1 FROM "{table}" WHERE strpos(lower({as_text}), lower(%s)) > 0 LIMIT 1',  # noqa: S608 - names come from information_schema
                    [value],
                )
                if cursor.fetchone():
                    findings.append(Finding(table, column, name))
    return findings


def _column_as_text(column: str, data_type: str) -> str:
    if data_type == "bytea":
        # The escape format keeps printable ASCII bytes as they are, so an
        # ASCII value stored as bytes still matches.
        return f"encode(\"{column}\", 'escape')"
    return f'"{column}"::text'


def assert_nowhere(values: dict[str, str], findings: Iterable[Finding] | None = None) -> None:
    found = list(findings) if findings is not None else find_values(values)
    assert not found, "plaintext found: " + ", ".join(map(str, found))
