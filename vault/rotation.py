"""Re-encrypt stored values under the newest key, and rewrite blind indexes.

Both walk a table in primary-key order, one batch per transaction, so an
interrupted run keeps the batches it finished. A value already under the
newest key (or an index already under the current key) is skipped, so
running again after an interruption resumes where the last run stopped and
a finished rotation run twice changes nothing.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

from vault import blind_index
from vault.exceptions import DecryptionError
from vault.fields import encrypted_fields
from vault.inventory import inventory

ProgressCallback = Callable[[int], None]


@dataclass
class ColumnReport:
    """Counts of what a rotation did, or would do, to one column."""

    model: str
    field: str
    rewritten: int = 0
    already_current: int = 0


def models_with_encrypted_fields() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if encrypted_fields(model)]


def models_with_blind_indexes() -> list[type[models.Model]]:
    labels = {entry.model for entry in inventory if entry.blind_index}
    return [apps.get_model(label) for label in sorted(labels)]


def rotate_encryption(
    model: type[models.Model],
    *,
    batch_size: int,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> list[ColumnReport]:
    """Re-encrypt every encrypted column of ``model`` with the newest key.

    Raises DecryptionError, naming the row's primary key, for a value that
    no configured key decrypts; the batch holding it is rolled back.
    """
    fields = encrypted_fields(model)
    reports = {
        field.name: ColumnReport(model._meta.label, field.name) for field in fields
    }
    newest = Fernet(settings.VAULT_ENCRYPTION_KEYS[0])
    # Tokens that fail the newest key's signature check can only decrypt
    # under an older key, so trying the newest again would be wasted work.
    older = MultiFernet(
        [Fernet(key) for key in settings.VAULT_ENCRYPTION_KEYS[1:]] or [newest]
    )
    for rows in _batches_of_raw_rows(model, fields, batch_size):
        changed_rows = []
        for primary_key, *tokens in rows:
            new_tokens, changed = _rotate_row(
                model, fields, primary_key, tokens, newest, older
            )
            for field, token, was_changed in zip(fields, tokens, changed, strict=True):
                report = reports[field.name]
                if was_changed:
                    report.rewritten += 1
                elif token is not None:
                    report.already_current += 1
            if any(changed):
                changed_rows.append((primary_key, *new_tokens))
        if changed_rows and not dry_run:
            write_text_columns(model, fields, changed_rows)
        if progress:
            progress(len(rows))
    return list(reports.values())


def _rotate_row(
    model: type[models.Model],
    fields: list[models.Field],
    primary_key: Any,
    tokens: list[str | None],
    newest: Fernet,
    older: MultiFernet,
) -> tuple[list[str | None], list[bool]]:
    new_tokens: list[str | None] = []
    changed: list[bool] = []
    for field, token in zip(fields, tokens, strict=True):
        if token is None or _is_under(newest, token):
            new_tokens.append(token)
            changed.append(False)
            continue
        try:
            plaintext = older.decrypt(token.encode())
        except InvalidToken as error:
            label = f"{model._meta.label}.{field.name}"
            raise DecryptionError(field_label=label, primary_key=primary_key) from error
        new_tokens.append(newest.encrypt(plaintext).decode())
        changed.append(True)
    return new_tokens, changed


def _is_under(key: Fernet, token: str) -> bool:
    # Checking the signature is enough to know which key wrote a token, and
    # costs one HMAC instead of a decryption.
    try:
        key.extract_timestamp(token.encode())
    except InvalidToken:
        return False
    return True


def _batches_of_raw_rows(
    model: type[models.Model], fields: list[models.Field], batch_size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Yield rows of (primary key, stored tokens...) inside one transaction each.

    Raw SQL reads the ciphertext as stored, without the decryption that
    the ORM would do for every value.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    last_key = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            after = "" if last_key is None else f"WHERE {pk_column} > %s"
            cursor.execute(
                f"SELECT {pk_column}, {columns} FROM {table} {after} "  # noqa: S608
                f"ORDER BY {pk_column} LIMIT %s FOR UPDATE",
                [*([] if last_key is None else [last_key]), batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
        last_key = rows[-1][0]


def write_text_columns(
    model: type[models.Model], fields: list[models.Field], rows: list[tuple[Any, ...]]
) -> None:
    """Update many rows with one statement, joining on arrays of new values."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk_column = quote(model._meta.pk.column)
    pk_type = model._meta.pk.db_type(connection)
    assignments = ", ".join(
        f"{quote(field.column)} = new.{quote(field.column)}" for field in fields
    )
    unnest = ", ".join(["%s::text[]"] * len(fields))
    names = ", ".join(quote(field.column) for field in fields)
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} "  # noqa: S608
            f"FROM unnest(%s::{pk_type}[], {unnest}) AS new(pk, {names}) "
            f"WHERE {table}.{pk_column} = new.pk",
            [list(column) for column in columns],
        )


def rewrite_blind_indexes(
    model: type[models.Model],
    *,
    batch_size: int,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> list[ColumnReport]:
    """Recompute every blind index of ``model`` under the current key."""
    entries = [e for e in inventory.for_model(model._meta.label) if e.blind_index]
    reports = [ColumnReport(model._meta.label, e.blind_index.field) for e in entries]  # type: ignore[union-attr]
    version_prefix = f"{blind_index.current_version()}:"
    last_key = None
    while True:
        with transaction.atomic():
            queryset = model._default_manager.select_for_update().order_by("pk")
            if last_key is not None:
                queryset = queryset.filter(pk__gt=last_key)
            batch = list(queryset[:batch_size])
            if not batch:
                break
            stale = _refresh_indexes(batch, entries, reports, version_prefix)
            if stale and not dry_run:
                index_fields = [entry.blind_index.field for entry in entries]  # type: ignore[union-attr]
                model._default_manager.bulk_update(stale, index_fields)
        last_key = batch[-1].pk
        if progress:
            progress(len(batch))
    return reports


def _refresh_indexes(
    batch: list[models.Model],
    entries: list[Any],
    reports: list[ColumnReport],
    version_prefix: str,
) -> list[models.Model]:
    stale = []
    for instance in batch:
        changed = False
        for entry, report in zip(entries, reports, strict=True):
            stored = getattr(instance, entry.blind_index.field)
            if not stored or stored.startswith(version_prefix):
                report.already_current += bool(stored)
                continue
            setattr(
                instance, entry.blind_index.field, entry.blind_index.compute(instance)
            )
            report.rewritten += 1
            changed = True
        if changed:
            stale.append(instance)
    return stale
