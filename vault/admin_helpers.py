"""Admin column helpers that show a field through its inventory mask."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin

from vault.inventory import mask

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


def masked_display(
    model: str,
    field: str,
    *,
    path: str | None = None,
    description: "str | _StrPromise" = "",
) -> Callable[[Any, Any], str]:
    """Return a ModelAdmin display method that shows model.field masked.

    ``path`` is the dotted attribute path from the admin's object to the
    value when it lives on a related object, such as ``user.email``.
    """
    attributes = (path or field).split(".")

    def display(model_admin: Any, obj: Any) -> str:
        value = obj
        for attribute in attributes:
            # A related object may be gone, as the user of an erased
            # application is; the value then shows as empty.
            if value is None:
                return ""
            value = getattr(value, attribute)
        return mask(value, model, field)

    label = description or field.replace("_", " ")
    return admin.display(description=label)(display)
