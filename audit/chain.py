"""Link audit entries into hash chains that show any later change.

Each chained table has its own chain. An entry's ``chain_hash`` is
HMAC-SHA256, under AUDIT_CHAIN_KEY, of the chain's name, the previous
entry's ``chain_hash`` and the entry's own fields in canonical JSON. Changing,
removing or reordering an entry therefore breaks every later link, and
without the key no new links that fit can be computed.

Writers serialize on the rows of the ChainHead table. ``append_entry``
locks the chain's head in the transaction that inserts the entry, so two
processes can never link to the same predecessor. It takes the entry's id
from the head under the same lock, so id order is chain order. Heads are
always locked in name order, so two transactions that write to both chains
cannot deadlock on them.

Each hash starts with the version of the key that made it, so entries
linked before a key change still verify while the old key is listed in
AUDIT_CHAIN_PREVIOUS_KEYS.
"""

import datetime
import functools
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

VERSION_LENGTH = 8
CHAIN_HASH_LENGTH = VERSION_LENGTH + 1 + 64
HEAD_TABLE = "audit_chainhead"
security_logger = logging.getLogger("audit.security")
# The PostgreSQL advisory lock that serializes the creation of missing heads.
HEAD_CREATION_LOCK = 0x61756469


class ChainKeyError(LookupError):
    """A stored hash names a key version that no configured key has."""


def key_version(key: bytes) -> str:
    """Return the public version label of an audit chain key."""
    digest = hmac.new(key, b"audit chain key version", hashlib.sha256).hexdigest()
    return digest[:VERSION_LENGTH]


def chain_keys() -> dict[str, bytes]:
    """Return every configured chain key by version, the current one first."""
    return _keys_by_version(
        (settings.AUDIT_CHAIN_KEY, *settings.AUDIT_CHAIN_PREVIOUS_KEYS)
    )


@functools.lru_cache(maxsize=8)
def _keys_by_version(keys: tuple[str, ...]) -> dict[str, bytes]:
    # Cached by the keys themselves, so a changed setting takes effect at
    # once, and each link costs one HMAC instead of one per configured key.
    return {key_version(key.encode()): key.encode() for key in keys}


def canonical_json(values: Mapping[str, Any]) -> bytes:
    """Return ``values`` as JSON with sorted keys and no insignificant spaces.

    Datetimes become ISO 8601 in UTC, so a value hashes the same before it
    is saved and after PostgreSQL returns it.
    """
    return json.dumps(
        values,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=_json_value,
    ).encode()


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | uuid.UUID | Decimal):
        return str(value)
    msg = f"{type(value).__name__} values cannot be part of an audit chain link."
    raise TypeError(msg)


def link_hash(
    *, chain: str, previous: str, values: Mapping[str, Any], version: str | None = None
) -> str:
    """Return the versioned link of an entry that follows ``previous``.

    ``version`` selects the key; the default is the current key. Raises
    ChainKeyError for a version that no configured key has.
    """
    return _sign(
        [chain.encode(), previous.encode(), canonical_json(values)], version=version
    )


def checkpoint_signature(values: Mapping[str, Any], version: str | None = None) -> str:
    """Return the versioned signature of a retention checkpoint's fields."""
    return _sign([b"checkpoint", canonical_json(values)], version=version)


def stored_version(signed: str) -> str:
    """Return the key version that prefixes a stored hash or signature."""
    return signed.partition(":")[0]


def _sign(parts: list[bytes], *, version: str | None) -> str:
    keys = chain_keys()
    if version is None:
        version = next(iter(keys))
    if version not in keys:
        msg = (
            f"No configured audit chain key has version {version}. Add the key "
            "that made it to AUDIT_CHAIN_PREVIOUS_KEYS."
        )
        raise ChainKeyError(msg)
    digest = hmac.new(keys[version], b"\x00".join(parts), hashlib.sha256)
    return f"{version}:{digest.hexdigest()}"


def append_entry(entry: Any, insert: Callable[[], None]) -> None:
    """Give ``entry`` the chain's next id and link, then call ``insert``.

    ``entry`` is a chained model instance (see audit.models.ChainedEntry).
    The head lock is held until the surrounding transaction ends, so the
    caller's own transaction decides when the next writer may proceed.
    """
    with transaction.atomic(savepoint=False):
        entry.pk, previous = _advance_head(type(entry))
        entry.chain_hash = link_hash(
            chain=entry.CHAIN, previous=previous, values=entry.chained_values()
        )
        insert()


def _advance_head(model: Any) -> tuple[int, str]:
    """Lock the chain's head, move it on by one, and return id and previous link.

    One statement takes every lock it needs. Its sub-select first locks the
    heads of the chains whose names sort before this one, so every writer
    locks heads in name order and two writers cannot deadlock. Then the
    UPDATE locks this chain's head and allocates the next id. The previous
    entry's link is read in the same statement. When this statement had to
    wait for another writer, its snapshot predates that writer's entry, the
    read returns NULL, and a second query reads the link.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {HEAD_TABLE} SET last_id = last_id + 1 "  # noqa: S608
            "WHERE chain = %s AND (SELECT count(*) FROM ("
            f"  SELECT 1 FROM {HEAD_TABLE} WHERE chain < %s ORDER BY chain FOR UPDATE"
            ") AS earlier_heads) >= 0 "
            f"RETURNING last_id, (SELECT chain_hash FROM {table} "
            f"WHERE id = {HEAD_TABLE}.last_id - 1)",
            [model.CHAIN, model.CHAIN],
        )
        row = cursor.fetchone()
    if row is None:
        _create_missing_heads()
        return _advance_head(model)
    next_id, previous = row
    if previous is None:
        previous = _link_before(model, next_id)
    return next_id, previous


def _link_before(model: Any, next_id: int) -> str:
    """Return the link that entry ``next_id`` follows, read afresh.

    That is the previous entry's link, or at the start of a chain or after
    a purge, "" or the newest retention checkpoint's link.
    """
    from audit.models import ChainCheckpoint

    previous_id = next_id - 1
    stored = (
        model._default_manager.filter(pk=previous_id)
        .values_list("chain_hash", flat=True)
        .first()
    )
    if stored is not None:
        return str(stored)
    checkpoint = (
        ChainCheckpoint.objects.filter(chain=model.CHAIN, last_id=previous_id)
        .values_list("last_hash", flat=True)
        .first()
    )
    if checkpoint is not None:
        return str(checkpoint)
    if previous_id > 0:
        # The previous entry is gone, so the chain is already broken there.
        # Recording goes on, and verification reports the break.
        security_logger.error(
            "Audit chain %s: entry %s is missing; linking entry %s to the start",
            model._meta.db_table,
            previous_id,
            next_id,
        )
    return ""


def lock_heads() -> list[str]:
    """Lock every chain head until the transaction ends; return their names.

    Must run inside a transaction. Heads are locked in name order, as every
    writer locks them, so this cannot deadlock with a writer.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT chain FROM {HEAD_TABLE} ORDER BY chain FOR UPDATE"  # noqa: S608
        )
        return [chain for (chain,) in cursor]


def _create_missing_heads() -> None:
    """Create every missing head, continuing from its chain's newest entry.

    The migration creates the heads. They go missing only when the table is
    truncated, as Django's test runner does between transactional tests, or
    when someone deletes them. Verification still walks every entry.
    When a purge has left no entry, a chain continues from its newest
    retention checkpoint.

    Writers that find a head missing queue on one advisory lock, and the
    first creates every missing head at once. Without it, two writers could
    each insert a different head and then wait for each other's.
    """
    from audit.models import CHAINED_MODELS, ChainCheckpoint

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HEAD_CREATION_LOCK])
        cursor.execute(f"SELECT chain FROM {HEAD_TABLE}")  # noqa: S608
        existing = {chain for (chain,) in cursor}
        for model in CHAINED_MODELS:
            if model.CHAIN in existing:
                continue
            newest_entry = model._default_manager.aggregate(Max("pk"))["pk__max"]
            newest_checkpoint = ChainCheckpoint.objects.filter(
                chain=model.CHAIN
            ).aggregate(Max("last_id"))["last_id__max"]
            last_id = newest_entry or newest_checkpoint or 0
            cursor.execute(
                f"INSERT INTO {HEAD_TABLE} (chain, last_id) "  # noqa: S608
                "VALUES (%s, %s) ON CONFLICT (chain) DO NOTHING",
                [model.CHAIN, last_id],
            )
