"""Delete very old audit entries without making the chains unverifiable.

A purge removes the oldest entries of a chain, up to and including the
newest one older than a date, in one transaction that:

1. locks the chain heads, so no entry is appended meanwhile;
2. verifies the part of the chain it is about to delete, and refuses to
   destroy a part that is already broken, which would hide the evidence;
3. writes a ChainCheckpoint with the id and link of the last deleted entry,
   signed with the chain key, from which verification continues;
4. deletes the entries, with the append-only trigger turned off for this
   transaction only (pgtrigger.ignore);
5. logs the counts and ids, and records an access event of the purge.
"""

import datetime
import logging
from dataclasses import dataclass

import pgtrigger
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.chain import checkpoint_signature, lock_heads
from audit.exceptions import AuditError
from audit.models import CHAINED_MODELS, AccessEvent, ChainCheckpoint, ChainedEntry
from audit.services import access_event_record
from audit.verification import verify_chain

logger = logging.getLogger(__name__)


class RetentionError(AuditError):
    """A purge was rejected. The message gives the reason and the fix."""


@dataclass(frozen=True)
class PurgeReport:
    """The rows a purge removed, or would remove, from one chain."""

    table: str
    purged_rows: int
    last_id: int | None
    checkpoint_id: int | None


def audit_trail_purge(
    *, before: datetime.datetime, dry_run: bool = False
) -> list[PurgeReport]:
    """Delete every chain's entries up to the newest one older than ``before``.

    Raises RetentionError when ``before`` is within the minimum retention
    period, or when the part to delete does not verify.
    """
    oldest_allowed = timezone.now() - datetime.timedelta(
        days=settings.AUDIT_MINIMUM_RETENTION_DAYS
    )
    if before > oldest_allowed:
        msg = (
            f"Entries younger than AUDIT_MINIMUM_RETENTION_DAYS "
            f"({settings.AUDIT_MINIMUM_RETENTION_DAYS} days) are kept; choose a "
            f"date before {oldest_allowed:%Y-%m-%d}."
        )
        raise RetentionError(msg)
    return [_purge_chain(model, before, dry_run) for model in CHAINED_MODELS]


def _purge_chain(
    model: type[ChainedEntry], before: datetime.datetime, dry_run: bool
) -> PurgeReport:
    table = model._meta.db_table
    with transaction.atomic():
        lock_heads()
        entries = model._default_manager
        older = entries.filter(**{f"{model.TIMESTAMP_FIELD}__lt": before})
        last = older.order_by("-pk").values_list("pk", "chain_hash").first()
        if last is None:
            return PurgeReport(table, 0, None, None)
        last_id, last_hash = last
        report = verify_chain(model, until_id=last_id)
        if not report.intact:
            msg = (
                f"Refusing to purge {table}: {report.describe()} Investigate "
                "before deleting anything (docs/audit.md)."
            )
            raise RetentionError(msg)
        purged_rows = entries.filter(pk__lte=last_id).count()
        if dry_run:
            return PurgeReport(table, purged_rows, last_id, None)
        checkpoint = _checkpoint_create(model, last_id, last_hash, purged_rows)
        _delete_up_to(model, last_id)
        access_event_record(
            actor=None,
            action=AccessEvent.Action.AUDIT_PURGE,
            detail={
                "table": table,
                "rows": purged_rows,
                "last_id": last_id,
                "checkpoint": checkpoint.pk,
            },
        )
    logger.warning(
        "Purged %s rows of %s up to id %s; checkpoint %s",
        purged_rows,
        table,
        last_id,
        checkpoint.pk,
    )
    return PurgeReport(table, purged_rows, last_id, checkpoint.pk)


def _checkpoint_create(
    model: type[ChainedEntry], last_id: int, last_hash: str, purged_rows: int
) -> ChainCheckpoint:
    checkpoint = ChainCheckpoint(
        chain=model.CHAIN,
        last_id=last_id,
        last_hash=last_hash,
        purged_rows=purged_rows,
    )
    checkpoint.signature = checkpoint_signature(checkpoint.signed_values())
    checkpoint.save()
    return checkpoint


def _delete_up_to(model: type[ChainedEntry], last_id: int) -> None:
    # pgtrigger.ignore turns the trigger off only for statements sent through
    # Django's connection inside this block. Other sessions and later
    # transactions still meet it.
    table = connection.ops.quote_name(model._meta.db_table)
    with pgtrigger.ignore(f"{model._meta.label}:append_only"):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last_id])  # noqa: S608
