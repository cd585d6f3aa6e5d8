"""Scrub the audit trail of a staging copy and link its chains again.

Audit rows name people by id and public reference only, so they keep their
actors, applicants, actions and times. What anonymize_database changes:

- ``client_network`` of access events and change entries, and ``source`` of
  security events, become empty, because they place a person on a network;
- an access event's free-text ``reason`` becomes a fake;
- an ``account_index`` in a ``detail`` (the blind index of a typed sign-in
  address) becomes the index of that address's fake, or a stand-in;
- every chain link is computed again under the staging AUDIT_CHAIN_KEY, and
  every retention checkpoint is signed again, so that verify_audit_trail
  passes on the copy without the production key.

Relinking means the staging chain proves only that nothing changed after
the anonymization, never what happened in production. The append-only
triggers are off for these statements alone (pgtrigger.ignore).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pgtrigger
from django.db import connection, models, transaction

from audit.chain import checkpoint_signature, link_hash, lock_heads
from audit.models import (
    CHAINED_MODELS,
    ChainCheckpoint,
    ChainedEntry,
    ChainHead,
    SecurityEvent,
)

TextFake = Callable[[str], str]
IndexRemap = Callable[[str], str]

ACCOUNT_INDEX_KEY = "account_index"
DEFAULT_BATCH_SIZE = 2000


@dataclass(frozen=True)
class AuditScrub:
    """How the run replaces the personal parts of audit rows."""

    reason_fake: TextFake
    account_index_remap: IndexRemap
    batch_size: int = DEFAULT_BATCH_SIZE


def audit_trail_anonymize(scrub: AuditScrub) -> dict[str, int]:
    """Scrub every audit row and relink both chains; return rows by table.

    Must run inside the caller's transaction, which holds the chain heads
    locked until it ends, so no entry is appended meanwhile.
    """
    if not transaction.get_connection().in_atomic_block:
        msg = "audit_trail_anonymize must run inside a transaction."
        raise RuntimeError(msg)
    lock_heads()
    counts = {
        model._meta.db_table: _relink_chain(model, scrub) for model in CHAINED_MODELS
    }
    counts[ChainCheckpoint._meta.db_table] = _checkpoints_sign_again()
    counts[SecurityEvent._meta.db_table] = _security_events_scrub(scrub)
    return counts


def _relink_chain(model: type[ChainedEntry], scrub: AuditScrub) -> int:
    checkpoint = (
        ChainCheckpoint.objects.filter(chain=model.CHAIN).order_by("-last_id").first()
    )
    # Entries up to the newest checkpoint were purged; the first remaining
    # entry links to the checkpoint's link, as verification expects.
    previous = checkpoint.last_hash if checkpoint else ""
    after_id = checkpoint.last_id if checkpoint else 0
    written = _written_columns(model)
    rows = 0
    while True:
        batch = list(
            model._default_manager.filter(pk__gt=after_id)
            .order_by("pk")
            .values_list(*model.CHAINED_FIELDS)[: scrub.batch_size]
        )
        if not batch:
            break
        updates = []
        for row in batch:
            values = _scrubbed(dict(zip(model.CHAINED_FIELDS, row, strict=True)), scrub)
            previous = link_hash(chain=model.CHAIN, previous=previous, values=values)
            updates.append((values, previous))
        _rows_write(model, written, updates)
        rows += len(batch)
        after_id = batch[-1][0]

    ChainHead.objects.filter(chain=model.CHAIN).update(last_hash=previous)
    return rows


def _scrubbed(values: dict[str, Any], scrub: AuditScrub) -> dict[str, Any]:
    if "client_network" in values:
        values["client_network"] = ""
    if values.get("reason"):
        values["reason"] = scrub.reason_fake(values["reason"])
    if isinstance(values.get("detail"), dict):
        values["detail"] = _detail_scrubbed(values["detail"], scrub)
    return values


def _detail_scrubbed(detail: dict[str, Any], scrub: AuditScrub) -> dict[str, Any]:
    stored = detail.get(ACCOUNT_INDEX_KEY)
    if not stored:
        return detail
    return {**detail, ACCOUNT_INDEX_KEY: scrub.account_index_remap(stored)}


def _written_columns(model: type[ChainedEntry]) -> list[str]:
    scrubbed = ("client_network", "reason", "detail")
    return [name for name in scrubbed if name in model.CHAINED_FIELDS]


def _rows_write(
    model: type[ChainedEntry],
    columns: list[str],
    updates: list[tuple[dict[str, Any], str]],
) -> None:
    quote = connection.ops.quote_name
    fields = [_column(model, name) for name in columns]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    statement = (
        f"UPDATE {quote(model._meta.db_table)} "  # noqa: S608 - names from the model
        f"SET {assignments}, chain_hash = %s WHERE id = %s"
    )
    # get_db_prep_save encrypts the reason under the first key and adapts
    # the JSON detail, as a save would.
    params = [
        [
            *(
                field.get_db_prep_save(values[field.name], connection)
                for field in fields
            ),
            link,
            values["id"],
        ]
        for values, link in updates
    ]
    # One statement per row, because pgtrigger.ignore rewrites each
    # statement and does not support executemany.
    with pgtrigger.ignore(*_trigger_uris(model)):
        with connection.cursor() as cursor:
            for row_params in params:
                cursor.execute(statement, row_params)


def _column(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 - chained fields are columns
    return field


def _trigger_uris(model: type[models.Model]) -> list[str]:
    # Every trigger of the table, because some tables split their
    # protection into several triggers.
    triggers = getattr(model._meta, "triggers", [])
    return [f"{model._meta.label}:{trigger.name}" for trigger in triggers]


def _checkpoints_sign_again() -> int:
    checkpoints = list(ChainCheckpoint.objects.all())
    if not checkpoints:
        return 0
    params: list[tuple[str, int]] = [
        (checkpoint_signature(checkpoint.signed_values()), checkpoint.pk)
        for checkpoint in checkpoints
    ]
    table = connection.ops.quote_name(ChainCheckpoint._meta.db_table)
    with pgtrigger.ignore(*_trigger_uris(ChainCheckpoint)):
        with connection.cursor() as cursor:
            for row_params in params:
                cursor.execute(
                    f"UPDATE {table} SET signature = %s WHERE id = %s",  # noqa: S608
                    row_params,
                )
    return len(checkpoints)


def _security_events_scrub(scrub: AuditScrub) -> int:
    rows = 0
    for event in SecurityEvent.objects.order_by("pk").iterator(
        chunk_size=scrub.batch_size
    ):
        detail = (
            _detail_scrubbed(event.detail, scrub)
            if isinstance(event.detail, dict)
            else event.detail
        )
        SecurityEvent.objects.filter(pk=event.pk).update(source="", detail=detail)
        rows += 1
    return rows
