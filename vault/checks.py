"""System checks that keep the PII inventory and the models in step."""

import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from vault.fields import StrictEncryptedMixin
from vault.inventory import Inventory, inventory

# Field names that usually hold personal data. A match is a word of the
# name (split on underscores), so "zip" or "description" do not match "ip".
PII_NAME_PATTERN = re.compile(
    r"(^|_)(email|phone|birth|address|ssn|passport|ip|national_id)(_|$)"
)


def looks_personal(field: models.Field) -> bool:
    """Return whether a field is encrypted or has a personal-data name."""
    if isinstance(field, StrictEncryptedMixin):
        return True
    return bool(PII_NAME_PATTERN.search(field.name))


def check_undeclared_fields(
    app_configs: Iterable[Any] | None = None,
    declarations: Inventory = inventory,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """Report each model field that looks personal but is not declared."""
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        label = model._meta.label
        for field in model._meta.concrete_fields:
            if looks_personal(field) and not declarations.covers(label, field.name):
                errors.append(
                    checks.Error(
                        f"{label}.{field.name} looks like personal data but is "
                        "not in the PII inventory, so nothing protects it.",
                        hint="Declare it with vault.inventory.declare() in the "
                        "app's pii.py, as PiiField or, if it holds no personal "
                        "data, as NotPii with the reason.",
                        obj=field,
                        id="vault.E001",
                    )
                )
    return errors


def check_declared_fields_exist(
    app_configs: Iterable[Any] | None = None,
    declarations: Inventory = inventory,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """Report declarations naming a missing field or an unencrypted one."""
    errors: list[checks.CheckMessage] = []
    for entry in [*declarations, *declarations.exemptions()]:
        field = _find_field(entry.model, entry.field)
        name = f"{entry.model}.{entry.field}"
        if field is None:
            errors.append(
                checks.Error(
                    f"The PII inventory declares {name}, which does not exist.",
                    hint="Remove the declaration or fix its model or field name.",
                    id="vault.E002",
                )
            )
        elif entry in declarations and not isinstance(field, StrictEncryptedMixin):
            errors.append(
                checks.Error(
                    f"{name} is declared as personal data but is stored in plaintext.",
                    hint="Use a field class from vault.fields for it.",
                    obj=field,
                    id="vault.E003",
                )
            )
    for entry in declarations:
        if (
            entry.blind_index
            and _find_field(entry.model, entry.blind_index.field) is None
        ):
            errors.append(
                checks.Error(
                    f"The blind index {entry.blind_index.field} of "
                    f"{entry.model}.{entry.field} does not exist.",
                    hint="Add the index column to the model or fix its name.",
                    id="vault.E004",
                )
            )
    return errors


def _find_field(model_label: str, field_name: str) -> models.Field | None:
    try:
        model = apps.get_model(model_label)
        field = model._meta.get_field(field_name)
    except (LookupError, FieldDoesNotExist):
        return None
    return field if isinstance(field, models.Field) else None
