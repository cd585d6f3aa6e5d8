"""Link audit entries into hash chains that show any later change.

Each chained table has its own chain. An entry's ``chain_hash`` is
HMAC-SHA256, under AUDIT_CHAIN_KEY, of the chain's name, the previous
entry's ``chain_hash`` and the entry's own fields in canonical JSON. Changing,
removing or reordering an entry therefore breaks every later link, and
without the key no new links that fit can be computed.

Writers serialize on the rows of the ChainHead table, which contain each
chain's newest id and link. ``append_entry`` moves the chain's head on in
the statement that inserts the entry, and only if the head still contains the
values the entry was linked to, so two processes can never link to the
same predecessor. The entry's id is the head's next, so id order is chain
order. Heads are always locked in name order, so two transactions that
write to both chains cannot deadlock on them.

Each hash starts with the version of the key that made it, so entries
linked before a key change still verify while the old key is listed in
AUDIT_CHAIN_PREVIOUS_KEYS.
"""

import datetime
import functools
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models.sql import InsertQuery

VERSION_LENGTH = 8
CHAIN_HASH_LENGTH = VERSION_LENGTH + 1 + 64
HEAD_TABLE = "audit_chainhead"
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


def append_entry(entry: Any, fields: Sequence[Any], using: str) -> None:
    """Insert ``entry`` as the next link of its chain, in one statement.

    ``entry`` is a chained model instance (see audit.models.ChainedEntry),
    and ``fields`` are the columns that Django would insert. The entry gets
    the id after the head's and a link to the head's hash. One statement
    then moves the head on, but only if it still contains those values, and
    inserts the entry only if the head moved. The lock that the statement
    takes on the head is held until the surrounding transaction ends.

    The head each process last wrote or read is remembered, so a process
    that writes alone needs no other statement. When another writer has
    moved the head, the statement inserts nothing and returns the head it
    found, and the entry is linked again. After OPTIMISTIC_ATTEMPTS such
    misses, the writer locks the head first and then cannot miss.
    """
    model = type(entry)
    remembered = (using, model.CHAIN)
    connection = connections[using]
    with transaction.atomic(using=using, savepoint=False):
        inserted = False
        head = _known_heads.get(remembered)
        for _attempt in range(OPTIMISTIC_ATTEMPTS):
            if head is None:
                break
            inserted, head = _insert_after(entry, fields, head, connection)
            if inserted:
                break
        if not inserted:
            head = _lock_head(model, connection)
            inserted, _ = _insert_after(entry, fields, head, connection)
            if not inserted:
                msg = f"The locked head of {model.CHAIN} moved during the insert."
                raise RuntimeError(msg)
    _known_heads[remembered] = (entry.pk, entry.chain_hash)


# (database alias, chain) -> (last_id, last_hash) of the head this process
# last wrote or read. A stale value costs one more statement, never a wrong
# link, because the head moves only if it still matches.
_known_heads: dict[tuple[str, str], tuple[int, str]] = {}
OPTIMISTIC_ATTEMPTS = 2


# Moves the head on from the id and link that the entry follows, inserts the
# entry only if the head moved, and reads the head as it was. {columns} and
# {values} are the two halves of Django's INSERT for the entry.
_CHAINED_INSERT = (
    "WITH advanced AS ("  # noqa: S608 - table names are constants
    f"  UPDATE {HEAD_TABLE} SET last_id = %s, last_hash = %s"
    "   WHERE chain = %s AND last_id = %s AND last_hash = %s"
    "   AND (SELECT count(*) FROM ("
    f"    SELECT 1 FROM {HEAD_TABLE} WHERE chain < %s ORDER BY chain FOR UPDATE"
    "   ) AS earlier_heads) >= 0"
    "   RETURNING 1"
    "), inserted AS ({columns} SELECT {values} FROM advanced RETURNING 1) "
    "SELECT (SELECT count(*) FROM inserted), last_id, last_hash "
    f"FROM {HEAD_TABLE} WHERE chain = %s"
)


def _insert_after(
    entry: Any, fields: Sequence[Any], head: tuple[int, str], connection: Any
) -> tuple[bool, tuple[int, str] | None]:
    """Link ``entry`` after ``head`` and insert it if the head still matches.

    Returns whether the entry went in, and the head as the statement found
    it, or None when the head row is missing.

    The sub-select in the UPDATE first locks the heads of the chains whose
    names sort before this one, so every writer locks heads in name order
    and two writers cannot deadlock. The final SELECT reads the head as it
    was when the statement started.
    """
    model = type(entry)
    last_id, last_hash = head
    entry.pk = last_id + 1
    entry.chain_hash = link_hash(
        chain=model.CHAIN, previous=last_hash, values=entry.chained_values()
    )
    insert_columns, insert_values, insert_params = _insert_parts(
        entry, fields, connection
    )
    statement = _CHAINED_INSERT.format(columns=insert_columns, values=insert_values)
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [
                entry.pk,
                entry.chain_hash,
                model.CHAIN,
                last_id,
                last_hash,
                model.CHAIN,
                *insert_params,
                model.CHAIN,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return False, None
    inserted, found_id, found_hash = row
    return inserted == 1, (found_id, found_hash)


def _insert_parts(
    entry: Any, fields: Sequence[Any], connection: Any
) -> tuple[str, str, list[Any]]:
    """Return Django's INSERT for ``entry`` split before its VALUES list.

    Django's compiler prepares every value as Model.save would: encrypted
    fields encrypt, JSON fields adapt. PostgreSQL gives the untyped values
    of an INSERT ... SELECT the types of the target columns, as it does for
    VALUES.
    """
    query = InsertQuery(type(entry))
    query.insert_values(fields, [entry])
    [(statement, params)] = query.get_compiler(connection=connection).as_sql()
    columns, separator, values = statement.partition(" VALUES (")
    if not separator or not values.endswith(")"):
        msg = f"Unexpected INSERT statement for {type(entry).__name__}."
        raise RuntimeError(msg)
    return columns, values[:-1], list(params)


def _lock_head(model: Any, connection: Any) -> tuple[int, str]:
    """Lock the chain's head, and every head before it, and return its values.

    Heads are locked in name order, as every writer locks them. A locking
    read returns the newest committed values even when it had to wait.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT chain, last_id, last_hash FROM {HEAD_TABLE} "  # noqa: S608
            "WHERE chain <= %s ORDER BY chain FOR UPDATE",
            [model.CHAIN],
        )
        heads = {chain: (last_id, last_hash) for chain, last_id, last_hash in cursor}
    if model.CHAIN not in heads:
        _create_missing_heads(connection)
        return _lock_head(model, connection)
    return heads[model.CHAIN]


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


def _create_missing_heads(connection: Any) -> None:
    """Create every missing head, continuing from its chain's newest entry.

    The migrations create the heads. They go missing only when the table is
    truncated, as Django's test runner does between transactional tests, or
    when someone deletes them. Verification still walks every entry.
    When a purge has left no entry, a chain continues from its newest
    retention checkpoint.

    Writers that find a head missing queue on one advisory lock, and the
    first creates every missing head at once. Without it, two writers could
    each insert a different head and then wait for each other's.
    """
    from audit.models import CHAINED_MODELS

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HEAD_CREATION_LOCK])
        cursor.execute(f"SELECT chain FROM {HEAD_TABLE}")  # noqa: S608
        existing = {chain for (chain,) in cursor}
        for model in CHAINED_MODELS:
            if model.CHAIN in existing:
                continue
            last_id, last_hash = newest_link(model, using=connection.alias)
            cursor.execute(
                f"INSERT INTO {HEAD_TABLE} (chain, last_id, last_hash) "  # noqa: S608
                "VALUES (%s, %s, %s) ON CONFLICT (chain) DO NOTHING",
                [model.CHAIN, last_id, last_hash],
            )


def newest_link(model: Any, using: str = DEFAULT_DB_ALIAS) -> tuple[int, str]:
    """Return the id and link that the chain's next entry must follow.

    That is the newest entry's, or when a purge has left no entry, the newest
    retention checkpoint's, or (0, "") for an empty chain.
    """
    from audit.models import ChainCheckpoint

    newest = (
        model._default_manager.using(using)
        .order_by("-pk")
        .values_list("pk", "chain_hash")
        .first()
    )
    if newest is None:
        newest = (
            ChainCheckpoint.objects.using(using)
            .filter(chain=model.CHAIN)
            .order_by("-last_id")
            .values_list("last_id", "last_hash")
            .first()
        )
    return newest or (0, "")
