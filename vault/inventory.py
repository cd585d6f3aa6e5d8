"""The PII inventory: one declaration per personal-data field of every model.

Apps declare their fields in a ``pii.py`` module, which the vault imports at
start-up. The encryption checks, the masks, blind-index rotation and the
data map read these declarations, so a field declared once gets each of
them. The vault imports no app; it only finds their ``pii.py`` modules.
"""

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import autodiscover_modules

from vault import masking

if TYPE_CHECKING:
    from faker import Faker


class Category(enum.StrEnum):
    IDENTITY = "identity"
    CONTACT = "contact"
    GOVERNMENT_ID = "government ID"
    NETWORK = "network"
    # Text written by people, such as a reveal reason, that may mention
    # personal data even though it is not meant to.
    FREE_TEXT = "free text"


class MaskStyle(enum.StrEnum):
    EMAIL = "email"
    INITIALS = "initials"
    LAST_FOUR = "last four"
    HIDDEN = "hidden"


MASKS: dict[MaskStyle, Callable[[Any], str]] = {
    MaskStyle.EMAIL: masking.mask_email,
    MaskStyle.INITIALS: masking.mask_name,
    MaskStyle.LAST_FOUR: masking.mask_last_four,
    MaskStyle.HIDDEN: masking.mask_hidden,
}


@dataclass(frozen=True)
class BlindIndex:
    """The column holding a keyed hash of the field, for exact lookup.

    ``compute`` takes a model instance and returns the index of its current
    value, which lets a key rotation recompute every index.
    """

    field: str
    normalization: str
    compute: Callable[[Any], str]


@dataclass(frozen=True)
class PiiField:
    """The protection, purpose and retention of one personal-data field."""

    model: str
    field: str
    category: Category
    purpose: str
    retention: str
    mask: MaskStyle
    # The permission a staff member needs to see the value in full, as
    # "app_label.codename"; None means nobody may reveal it.
    reveal_permission: str | None
    exported: bool = True
    blind_index: BlindIndex | None = None
    # A reveal also needs a second staff member's approval ("four eyes").
    reveal_needs_approval: bool = False
    # Makes a made-up replacement value for anonymize_database from a Faker
    # instance seeded for one original value. None picks a generic fake by
    # the field's type (vault.anonymization.generic_fake).
    fake: "Callable[[Faker], Any] | None" = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.model, self.field)

    def mask_value(self, value: Any) -> str:
        """Return the masked form of ``value``, or "" when it is empty."""
        if value in (None, ""):
            return ""
        return MASKS[self.mask](value)


@dataclass(frozen=True)
class NotPii:
    """A field whose name looks personal but contains no personal data."""

    model: str
    field: str
    reason: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.model, self.field)


class InventoryError(ValueError):
    """A declaration conflicts with another one."""


class Inventory:
    def __init__(self) -> None:
        self._fields: dict[tuple[str, str], PiiField] = {}
        self._exemptions: dict[tuple[str, str], NotPii] = {}

    def declare(self, *entries: PiiField | NotPii) -> None:
        """Add declarations; a field may be declared only once."""
        for entry in entries:
            if entry.key in self._fields or entry.key in self._exemptions:
                msg = f"{entry.model}.{entry.field} is declared twice."
                raise InventoryError(msg)
            if isinstance(entry, PiiField):
                self._fields[entry.key] = entry
            else:
                self._exemptions[entry.key] = entry

    def __iter__(self) -> Iterator[PiiField]:
        return iter(sorted(self._fields.values(), key=lambda entry: entry.key))

    def exemptions(self) -> list[NotPii]:
        return sorted(self._exemptions.values(), key=lambda entry: entry.key)

    def get(self, model: str, field: str) -> PiiField:
        """Return the declaration of a field, or raise KeyError."""
        try:
            return self._fields[(model, field)]
        except KeyError:
            msg = f"{model}.{field} is not declared in the PII inventory."
            raise KeyError(msg) from None

    def for_model(self, model: str) -> list[PiiField]:
        return [entry for entry in self if entry.model == model]

    def covers(self, model: str, field: str) -> bool:
        """Return whether a field is declared, exempted or a declared index."""
        key = (model, field)
        if key in self._fields or key in self._exemptions:
            return True
        return any(
            entry.blind_index is not None and entry.blind_index.field == field
            for entry in self.for_model(model)
        )


inventory = Inventory()


def declare(*entries: PiiField | NotPii) -> None:
    """Add declarations to the project's inventory; call it from ``pii.py``."""
    inventory.declare(*entries)


def mask(value: Any, model: str, field: str) -> str:
    """Return ``value`` masked as the inventory declares for model.field."""
    return inventory.get(model, field).mask_value(value)


def load_declarations() -> None:
    """Import every installed app's ``pii`` module, once."""
    autodiscover_modules("pii")
