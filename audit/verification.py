"""Walk the audit chains and find the first link that does not hold.

Each chain is read in id order, in batches, so memory stays bounded however
long the chain is. A walk starts after the chain's newest retention
checkpoint, whose signature it checks first, or at the chain's beginning.
It ends by comparing the newest entry with the chain's head, which catches
entries deleted from the end.
"""

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from audit.chain import ChainKeyError, checkpoint_signature, link_hash, stored_version
from audit.models import CHAINED_MODELS, ChainCheckpoint, ChainedEntry, ChainHead
from vault.fields import UndecryptableValue

DEFAULT_BATCH_SIZE = 2000

# The problems a walk can find, as stored in a security event's detail.
LINK_MISMATCH = "link mismatch"
UNKNOWN_KEY = "unknown key version"
UNDECRYPTABLE = "undecryptable value"
MISSING_AT_END = "entries missing at the end"
BAD_CHECKPOINT = "invalid checkpoint signature"

PROBLEM_TEXT = {
    LINK_MISMATCH: "its link does not match its own fields and the link before it, "
    "so this row, or the row before it, was changed, inserted or removed",
    UNKNOWN_KEY: "its link names a chain key that is not configured; add the "
    "key to AUDIT_CHAIN_PREVIOUS_KEYS",
    UNDECRYPTABLE: "a value of the row does not decrypt with the configured "
    "encryption keys",
    MISSING_AT_END: "the chain head names a newer entry than the newest row, so "
    "rows were deleted from the end",
    BAD_CHECKPOINT: "the signature of the newest retention checkpoint does not "
    "match its fields",
}


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking one chain."""

    chain: str
    table: str
    checked: int
    start_after_id: int
    broken_id: int | None = None
    problem: str = ""
    # The newest entry verified, or start_after_id when none was.
    last_id: int = 0

    @property
    def intact(self) -> bool:
        return not self.problem

    def describe(self) -> str:
        """Return one sentence about the outcome, naming ids only."""
        if self.intact:
            return (
                f"{self.table}: {self.checked} entries verified, from id "
                f"{self.start_after_id + 1} to {self.last_id}."
            )
        where = f"row {self.broken_id}" if self.broken_id is not None else "start"
        return f"{self.table} is broken at {where}: {PROBLEM_TEXT[self.problem]}."


def verify_all(*, batch_size: int = DEFAULT_BATCH_SIZE) -> list[ChainReport]:
    """Walk every chain and return one report per chain."""
    return [verify_chain(model, batch_size=batch_size) for model in CHAINED_MODELS]


def verify_chain(
    model: type[ChainedEntry],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    until_id: int | None = None,
) -> ChainReport:
    """Walk ``model``'s chain and report the first broken link, if any.

    With ``until_id`` the walk stops after that entry and skips the head
    comparison, for checking the part of a chain that a purge will remove.
    """
    table = model._meta.db_table
    checkpoint = (
        ChainCheckpoint.objects.filter(chain=model.CHAIN).order_by("-last_id").first()
    )
    if checkpoint is not None and not _signature_holds(checkpoint):
        return ChainReport(
            model.CHAIN, table, 0, checkpoint.last_id, None, BAD_CHECKPOINT
        )
    start_id = checkpoint.last_id if checkpoint else 0
    previous = checkpoint.last_hash if checkpoint else ""
    # Read before the walk, so entries appended during the walk are covered
    # by the walk but cannot make the head look ahead of the rows.
    head = ChainHead.objects.filter(chain=model.CHAIN).first()

    checked, last_id = 0, start_id
    for row_id, values, stored in _rows(model, start_id, until_id, batch_size):
        problem = _link_problem(model.CHAIN, previous, values, stored)
        if problem:
            return ChainReport(model.CHAIN, table, checked, start_id, row_id, problem)
        previous, last_id, checked = stored, row_id, checked + 1

    if until_id is None and head is not None and head.last_id > last_id:
        return ChainReport(
            model.CHAIN, table, checked, start_id, last_id + 1, MISSING_AT_END
        )
    return ChainReport(model.CHAIN, table, checked, start_id, last_id=last_id)


def _rows(
    model: type[ChainedEntry], after_id: int, until_id: int | None, batch_size: int
) -> Iterator[tuple[int, dict[str, Any], str]]:
    """Yield (id, linked values, stored link) for each entry after ``after_id``."""
    columns = [*model.CHAINED_FIELDS, "chain_hash"]
    while True:
        batch = model._default_manager.filter(pk__gt=after_id).order_by("pk")
        if until_id is not None:
            batch = batch.filter(pk__lte=until_id)
        rows = list(batch.values_list(*columns)[:batch_size])
        for row in rows:
            values = dict(zip(model.CHAINED_FIELDS, row[:-1], strict=True))
            yield values["id"], values, row[-1]
        if len(rows) < batch_size:
            return
        after_id = rows[-1][0]


def _link_problem(
    chain_name: str, previous: str, values: dict[str, Any], stored: str
) -> str:
    if any(isinstance(value, UndecryptableValue) for value in values.values()):
        return UNDECRYPTABLE
    if not stored:
        return LINK_MISMATCH
    try:
        expected = link_hash(
            chain=chain_name,
            previous=previous,
            values=values,
            version=stored_version(stored),
        )
    except ChainKeyError:
        return UNKNOWN_KEY
    return "" if hmac.compare_digest(expected, stored) else LINK_MISMATCH


def _signature_holds(checkpoint: ChainCheckpoint) -> bool:
    try:
        expected = checkpoint_signature(
            checkpoint.signed_values(), version=stored_version(checkpoint.signature)
        )
    except ChainKeyError:
        return False
    return hmac.compare_digest(expected, checkpoint.signature)
