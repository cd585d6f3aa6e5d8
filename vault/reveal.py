"""Return a protected value in full, for a user the inventory permits.

This is the only place that turns a stored personal value into plaintext
for staff. It checks the permission the PII inventory declares. Auditing,
second factors and approvals are the caller's job, because they need the
request.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models

from vault.inventory import PiiField, inventory


class RevealDeniedError(PermissionDenied):
    """The user lacks the permission the inventory declares for a field."""


def revealable(user: Any, model: str) -> list[PiiField]:
    """Return the declared fields of ``model`` that ``user`` may reveal."""
    return [
        entry
        for entry in inventory.for_model(model)
        if entry.reveal_permission and user.has_perm(entry.reveal_permission)
    ]


def reveal_value(*, user: Any, instance: models.Model, field: str) -> str:
    """Return ``instance.field`` as text, or raise RevealDeniedError."""
    entry = inventory.get(instance._meta.label, field)
    if not entry.reveal_permission or not user.has_perm(entry.reveal_permission):
        msg = f"Revealing {entry.model}.{field} needs a permission this user lacks."
        raise RevealDeniedError(msg)
    value = getattr(instance, field)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)
