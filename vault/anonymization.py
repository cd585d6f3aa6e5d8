"""Replace every personal value that the PII inventory declares with a fake.

anonymize_database calls this module to turn a restored production copy
into a staging copy. It reads the inventory, so a field declared in any
app's ``pii.py`` is replaced with no further code: by the declaration's
``fake``, or else by a generic fake chosen by the field's type. Every value
is written back encrypted under the first key of VAULT_ENCRYPTION_KEYS, and
every blind index is computed again under VAULT_BLIND_INDEX_KEY.

Apps also name here, with ``empty_on_anonymization``, the tables that a
staging copy must not keep at all, such as sessions or the payload logs of
third-party calls.
"""

import copy
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models

from vault import blind_index
from vault.inventory import PiiField, inventory
from vault.pseudonyms import FakeMaker, Pseudonyms
from vault.rotation import write_text_columns

RowHook = Callable[[models.Model], None]

GENERIC_EMAIL_DOMAIN = "example.org"
GENERIC_EARLIEST_DATE = datetime.date(1940, 1, 1)
GENERIC_LATEST_DATE = datetime.date(2005, 12, 31)
GENERIC_CODE_LENGTH = 10


@dataclass(frozen=True)
class EmptiedTable:
    """A model whose rows a staging copy drops entirely, and why."""

    model: str
    reason: str


_emptied: dict[str, EmptiedTable] = {}


def empty_on_anonymization(model: str, reason: str) -> None:
    """Have anonymize_database delete every row of ``model`` ("app.Model").

    Tables are emptied in the order they were named, so a table that
    others reference must be named after them.
    """
    _emptied[model] = EmptiedTable(model, reason)


def emptied_tables() -> list[EmptiedTable]:
    return list(_emptied.values())


def generic_fake(field: models.Field) -> FakeMaker:
    """Return a fake maker for a declared field that has no ``fake`` of its own."""
    if isinstance(field, models.EmailField):
        return lambda faker: (
            f"{faker.user_name()}.{faker.hexify('^' * 8)}@{GENERIC_EMAIL_DOMAIN}"
        )
    if isinstance(field, models.DateField):
        return lambda faker: faker.date_between(
            GENERIC_EARLIEST_DATE, GENERIC_LATEST_DATE
        )
    if isinstance(field, models.TextField):
        return lambda faker: faker.sentence()
    length = min(field.max_length or GENERIC_CODE_LENGTH, GENERIC_CODE_LENGTH)
    return lambda faker: faker.bothify("?" * length).upper()


def is_empty(value: Any) -> bool:
    return value is None or value == ""


class Anonymizer:
    """Collect the originals of a database, then replace them with fakes.

    ``collect`` must see every model before ``anonymize`` changes any, so
    that no fake equals an original anywhere and a row that kept only a
    blind index finds the original of an equal index in another row.
    """

    def __init__(self, pseudonyms: Pseudonyms, *, batch_size: int) -> None:
        self.pseudonyms = pseudonyms
        self.batch_size = batch_size
        # (model label, field, stored blind index) -> the original value of
        # a row that still holds the value beside its index.
        self._originals_by_index: dict[tuple[str, str, str], Any] = {}

    def collect(self, model: type[models.Model]) -> int:
        """Register the originals of every declared field of ``model``."""
        entries = inventory.for_model(model._meta.label)
        rows = 0
        for batch in _batches(model, self.batch_size):
            rows += len(batch)
            for instance in batch:
                for entry in entries:
                    self._collect_value(instance, entry)
        return rows

    def _collect_value(self, instance: models.Model, entry: PiiField) -> None:
        value = getattr(instance, entry.field)
        if is_empty(value):
            return
        self.pseudonyms.add_original(entry.field, value)
        if entry.blind_index is not None:
            stored = getattr(instance, entry.blind_index.field)
            if stored:
                self._originals_by_index[(entry.model, entry.field, stored)] = value

    def anonymize(
        self, model: type[models.Model], *, row_hook: RowHook | None = None
    ) -> int:
        """Replace the declared values of every row of ``model``; return the rows.

        ``row_hook`` runs on each instance after its values are replaced and
        before its blind indexes are computed, for rules that tie one field
        to another.
        """
        entries = inventory.for_model(model._meta.label)
        names = [entry.field for entry in entries] + [
            entry.blind_index.field for entry in entries if entry.blind_index
        ]
        written = [_concrete_field(model, name) for name in names]
        rows = 0
        for batch in _batches(model, self.batch_size):
            for instance in batch:
                for entry in entries:
                    value = getattr(instance, entry.field)
                    if not is_empty(value):
                        setattr(instance, entry.field, self.fake_value(entry, value))
                if row_hook is not None:
                    row_hook(instance)
                for entry in entries:
                    if entry.blind_index is not None:
                        self._refresh_index(instance, entry)
            _rows_write(model, written, batch)
            rows += len(batch)
        return rows

    def fake_value(self, entry: PiiField, original: Any) -> Any:
        """Return the run's fake for ``original``, a value of ``entry``'s field."""
        field = apps.get_model(entry.model)._meta.get_field(entry.field)
        assert isinstance(field, models.Field)  # noqa: S101 - the inventory checks ensure it
        make = entry.fake or generic_fake(field)
        return self.pseudonyms.fake(entry.field, original, make)

    def remap_index(self, entry: PiiField, stored: str, instance: models.Model) -> str:
        """Return the new blind index for a stored index whose value is gone.

        When another row kept the value beside the same index, the result is
        the index of that value's fake, so both rows still match. Otherwise
        it is a keyed stand-in, equal for equal stored indexes, that matches
        no value. ``instance`` supplies the other fields that the index
        covers, such as the issuing country of a national ID.
        """
        assert entry.blind_index is not None  # noqa: S101 - callers pass indexed fields
        fake = self.fake_for_index(entry, stored)
        if fake is not None:
            stand_in = copy.copy(instance)
            setattr(stand_in, entry.field, fake)
            return entry.blind_index.compute(stand_in)
        digest = self.pseudonyms.digest(f"index:{entry.model}.{entry.field}", stored)
        return blind_index.blind_index(digest.hex(), domain="anonymized")

    def fake_for_index(self, entry: PiiField, stored: str) -> Any | None:
        """Return the fake of the value that another row keeps beside ``stored``.

        Returns None when no row keeps a value beside that index.
        """
        original = self._originals_by_index.get((entry.model, entry.field, stored))
        if original is None:
            return None
        return self.fake_value(entry, original)

    def _refresh_index(self, instance: models.Model, entry: PiiField) -> None:
        assert entry.blind_index is not None  # noqa: S101 - callers pass indexed fields
        index_field = entry.blind_index.field
        stored = getattr(instance, index_field)
        if not is_empty(getattr(instance, entry.field)):
            setattr(instance, index_field, entry.blind_index.compute(instance))
        elif stored:
            # Minimization keeps a national ID's index after deleting the
            # number, so duplicate detection still works on this row.
            setattr(instance, index_field, self.remap_index(entry, stored, instance))


def _concrete_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 - declared fields are columns
    return field


def _rows_write(
    model: type[models.Model],
    fields: list[models.Field],
    instances: list[models.Model],
) -> None:
    """Write ``fields`` of ``instances`` with one UPDATE, sending no signals.

    No signal means no change entry per row. get_db_prep_save encrypts each
    value under the first key, as a save would; bulk_update cannot be used
    because it casts an encrypted date column to a date.
    """
    rows = [
        (
            instance.pk,
            *(
                field.get_db_prep_save(getattr(instance, field.attname), connection)
                for field in fields
            ),
        )
        for instance in instances
    ]
    write_text_columns(model, fields, rows)


def models_with_pii() -> list[type[models.Model]]:
    """Return every model that the inventory declares a field of, by label."""
    labels = sorted({entry.model for entry in inventory})
    return [apps.get_model(label) for label in labels]


def table_empty(label: str) -> int:
    """Delete every row of the model ``label`` and return how many there were.

    A plain DELETE sends no signals and follows no cascade, so a table that
    another one still references raises IntegrityError instead of taking
    rows with it silently.
    """
    model = apps.get_model(label)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a model's table name
        return cursor.rowcount


def _batches(
    model: type[models.Model], batch_size: int
) -> Iterator[list[models.Model]]:
    """Yield the rows of ``model`` in primary-key order, ``batch_size`` at a time."""
    queryset = model._default_manager.order_by("pk")
    last_key = None
    while True:
        page = queryset if last_key is None else queryset.filter(pk__gt=last_key)
        batch = list(page[:batch_size])
        if not batch:
            return
        yield batch
        last_key = batch[-1].pk
