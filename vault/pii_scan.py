"""Search the database and files for personal data, reporting where and what kind.

A finding names a place (table, column and row id, or file and line) and
the kind of value the detector recognized, never the value. Encrypted
columns, blind indexes, tokens and masks have no recognizable shape, so a
clean database yields no finding. Columns are read through a server-side
cursor, and files line by line, so memory stays flat on large inputs.
"""

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from vault.detector import Kind, find_pii

# information_schema names of the column types that can hold text.
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "bytea")
ROWS_PER_FETCH = 2000
# A file whose first block contains a NUL byte is taken as binary and skipped.
BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Finding:
    """One kind of personal value found at one place."""

    location: str
    kind: Kind

    def __str__(self) -> str:
        return f"{self.location}: {self.kind}"


def database_findings() -> Iterator[Finding]:
    """Yield the findings in every text, JSON and bytea column of every table."""
    for table, columns in _searched_tables().items():
        yield from _table_findings(table, columns)


def file_findings(path: Path) -> Iterator[Finding]:
    """Yield the findings in a text file, by line number."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            for kind in text_kinds(line):
                yield Finding(f"{path}:{number}", kind)


def directory_findings(directory: Path) -> Iterator[Finding]:
    """Yield the findings in every text file below ``directory``.

    Symbolic links are not followed, so a scan stays inside the directory.
    """
    for root, folders, files in os.walk(directory):
        folders.sort()
        for name in sorted(files):
            path = Path(root, name)
            if path.is_file() and not path.is_symlink() and not _is_binary(path):
                yield from file_findings(path)


def text_kinds(text: str) -> list[Kind]:
    """Return the kinds of personal value in ``text``, each once, in order found."""
    kinds: list[Kind] = []
    for match in find_pii(text):
        if match.kind not in kinds:
            kinds.append(match.kind)
    return kinds


def _searched_tables() -> dict[str, list[tuple[str, str]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns AS c
            JOIN information_schema.tables AS t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema()
              AND t.table_type = 'BASE TABLE'
              AND c.data_type = ANY(%s)
            ORDER BY c.table_name, c.ordinal_position
            """,
            [list(TEXT_TYPES)],
        )
        tables: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in cursor.fetchall():
            tables.setdefault(table, []).append((column, data_type))
    return tables


def _table_findings(table: str, columns: list[tuple[str, str]]) -> Iterator[Finding]:
    quote = connection.ops.quote_name
    row_id = _row_id_expression(table)
    selected = ", ".join(
        quote(column) if data_type == "bytea" else f"{quote(column)}::text"
        for column, data_type in columns
    )
    # Names come from information_schema and are quoted, never from input.
    query = f"SELECT {row_id}, {selected} FROM {quote(table)}"  # noqa: S608
    with connection.chunked_cursor() as cursor:
        cursor.execute(query)
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            for row in rows:
                yield from _row_findings(table, columns, row)


def _row_findings(
    table: str, columns: list[tuple[str, str]], row: Iterable[object]
) -> Iterator[Finding]:
    row_id, *values = row
    for (column, _data_type), value in zip(columns, values, strict=True):
        if value is None:
            continue
        if isinstance(value, bytes | memoryview):
            text = bytes(value).decode("utf-8", errors="replace")
        else:
            text = str(value)
        for kind in text_kinds(text):
            yield Finding(f"{table}.{column} row {row_id}", kind)


def _row_id_expression(table: str) -> str:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        keys = connection.introspection.get_primary_key_columns(cursor, table)
    if not keys:
        # A table without a primary key still has a physical row address.
        return "ctid::text"
    return " || ',' || ".join(f"{quote(key)}::text" for key in keys)


def _is_binary(path: Path) -> bool:
    with path.open("rb") as file:
        return b"\0" in file.read(BINARY_SNIFF_BYTES)
