"""Delete rows with everything that depends on them, in SQL, without loading them.

Django's ``QuerySet.delete()`` loads every object to be deleted, with all
its fields decrypted, as soon as any pre_delete or post_delete receiver is
connected for the model, and django-auditlog connects one for every model in
the PII inventory. For a purge of many rows that costs a decryption per
field per row and one change entry per row. These functions follow the same
``on_delete`` rules as Django's collector but run one statement per related
table, with the batch's rows selected by subquery, and send no signals. The
caller records the run in the access log instead.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Any, cast

from django.contrib.sessions.models import Session
from django.db import connection, models
from django.db.models.expressions import RawSQL

from onboarding.retention.exceptions import RetentionError

# Deeper chains of cascades than this mean a model graph the rules were not
# written for; the deletion stops instead of recursing further.
MAX_CASCADE_DEPTH = 5


def in_keys(model: type[models.Model], keys: Iterable[Any]) -> RawSQL:
    """Return a subquery of ``keys`` for ``pk__in``, sent as one array literal.

    psycopg binds parameters on the client, and adapting a list of two
    thousand keys as separate parameters costs about 15 ms per statement,
    which a batch pays once for every related table. One text parameter,
    cast to an array by PostgreSQL, costs about 2 ms.
    """
    primary_key = cast(models.Field, model._meta.pk)
    db_type = primary_key.db_type(connection)
    elements = ",".join(_array_element(key) for key in keys)
    # The SQL text contains only the primary key's column type, from the model.
    # The keys travel as a parameter.
    sql = f"SELECT unnest(%s::{db_type}[])"
    return RawSQL(sql, ["{" + elements + "}"])  # noqa: S611 - keys are a parameter


def _array_element(key: Any) -> str:
    # Quoted, with backslashes and quotes escaped, so that a key containing
    # a comma or a brace stays one element.
    text = str(key).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def rows_delete(queryset: models.QuerySet) -> Counter[str]:
    """Delete the rows of ``queryset`` and every row that cascades from them.

    Returns the number of deleted rows by model label. Raises
    RetentionError when a PROTECT or RESTRICT relation still points at one
    of the rows, or when a relation uses an ``on_delete`` rule that is not
    supported here, before anything of that relation is deleted.
    """
    counts: Counter[str] = Counter()
    dependents_delete(queryset, counts=counts)
    deleted = queryset._raw_delete(queryset.db)
    if deleted:
        counts[queryset.model._meta.label] += deleted
    return counts


def dependents_delete(
    parents: models.QuerySet, *, counts: Counter[str], depth: int = 0
) -> None:
    """Delete what cascades from ``parents``, but not the parents themselves."""
    if depth > MAX_CASCADE_DEPTH:
        msg = (
            f"Deleting {parents.model._meta.label} cascades deeper than "
            f"{MAX_CASCADE_DEPTH} models; extend the retention rules for it."
        )
        raise RetentionError(msg)
    for relation in _reverse_relations(parents.model):
        field = relation.field
        # A reverse relation always names its model class, never "self".
        related_model = cast(type[models.Model], relation.related_model)
        rows = related_model._base_manager.filter(**{f"{field.name}__in": parents})
        on_delete = field.remote_field.on_delete
        label = related_model._meta.label
        if on_delete is models.DO_NOTHING:
            continue
        if on_delete is models.CASCADE:
            dependents_delete(rows, counts=counts, depth=depth + 1)
            deleted = rows._raw_delete(rows.db)
        elif on_delete is models.SET_NULL:
            deleted = rows.update(**{field.name: None})
        elif on_delete in (models.PROTECT, models.RESTRICT):
            if rows.exists():
                msg = (
                    f"{label}.{field.name} still refers to a "
                    f"{parents.model._meta.label} that a retention rule is "
                    "deleting, and protects it. Resolve those rows first."
                )
                raise RetentionError(msg)
            continue
        else:
            msg = (
                f"{label}.{field.name} uses an on_delete rule that retention "
                "deletion does not support; use CASCADE, SET_NULL, PROTECT or "
                "DO_NOTHING."
            )
            raise RetentionError(msg)
        if deleted:
            counts[label] += deleted


def _reverse_relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    # Many-to-many tables appear here too, as the reverse side of their
    # auto-created through models' foreign keys.
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if isinstance(field, models.ForeignObjectRel)
        and (field.one_to_many or field.one_to_one)
        and field.auto_created
        and not field.concrete
    ]


def sessions_delete(session_keys: list[str]) -> int:
    """Delete the sessions with these keys and return how many existed."""
    if not session_keys:
        return 0
    queryset = Session.objects.filter(pk__in=in_keys(Session, session_keys))
    return queryset._raw_delete(queryset.db)
