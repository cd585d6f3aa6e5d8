"""Record changes to personal-data models with django-auditlog, minus values.

Every model with a field declared in the PII inventory is registered with
django-auditlog when the app starts, so a new model gets a change history
as soon as its personal fields are declared. The manager below rewrites
each entry before it is stored:

- ``changes`` keeps the name of every changed field. A value is kept only
  when the field cannot contain personal data: a field with choices, a
  boolean, a number, a timestamp, a UUID or a foreign key. The PII
  inventory must also declare neither the field nor a blind index by that
  name. Any other value becomes REDACTED in full. The library's own
  ``mask_fields`` is not used, because it keeps half of each value.
- ``object_repr`` is the object's public reference from
  AUDIT_OBJECT_REFERENCES, never ``str(obj)``.
- The actor, the client's network and the request's correlation id come from
  the request that the audit middleware made current.
"""

from typing import Any

from auditlog.models import LogEntryManager
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.db import models

from audit.client import client_network
from audit.context import current_request, current_request_id
from audit.querysets import AppendOnlyQuerySet
from vault.inventory import inventory

REDACTED = "[redacted]"
VALUE_SAFE_FIELDS = (
    models.BooleanField,
    models.IntegerField,
    models.DateTimeField,
    models.UUIDField,
    models.ForeignKey,
)
# The audit app's own tables are the trail, so they do not get a history.
UNTRACKED_APPS = frozenset({"audit"})


class ChangeEntryManager(LogEntryManager):
    """django-auditlog's manager, rewriting each entry as described above.

    Its querysets reject bulk writes, as the access log's do.
    """

    def get_queryset(self) -> AppendOnlyQuerySet:
        return AppendOnlyQuerySet(self.model, using=self._db)

    def log_create(self, instance: Any, force_log: bool = False, **kwargs: Any) -> Any:
        if kwargs.get("changes"):
            kwargs["changes"] = redacted_changes(type(instance), kwargs["changes"])
        kwargs.update(_entry_context(instance))
        return super().log_create(instance, force_log=force_log, **kwargs)

    def log_m2m_changes(
        self,
        changed_queryset: Any,
        instance: Any,
        operation: str,
        field_name: str,
        **kwargs: Any,
    ) -> Any:
        # The library names the related objects by str(); primary keys
        # identify them without risking a personal value.
        related = [str(pk) for pk in changed_queryset.values_list("pk", flat=True)]
        if not related:
            return None
        change = {"type": "m2m", "operation": operation, "objects": related}
        kwargs.setdefault("action", self.model.Action.UPDATE)
        return self.log_create(
            instance, force_log=True, changes={field_name: change}, **kwargs
        )


def redacted_changes(
    model: type[models.Model], changes: dict[str, Any]
) -> dict[str, Any]:
    """Return ``changes`` with every value that may be personal replaced."""
    safe = value_safe_fields(model)
    redacted: dict[str, Any] = {}
    for name, change in changes.items():
        if isinstance(change, dict) and change.get("type") == "m2m":
            redacted[name] = change
        elif name in safe:
            redacted[name] = list(change)
        else:
            redacted[name] = [REDACTED, REDACTED]
    return redacted


def value_safe_fields(model: type[models.Model]) -> set[str]:
    """Return the names of the fields of ``model`` whose values may be kept."""
    label = model._meta.label
    declared = set()
    for entry in inventory.for_model(label):
        declared.add(entry.field)
        if entry.blind_index is not None:
            declared.add(entry.blind_index.field)
    return {
        field.name
        for field in model._meta.concrete_fields
        if field.name not in declared
        and (field.choices or isinstance(field, VALUE_SAFE_FIELDS))
    }


def object_reference(instance: models.Model) -> str:
    """Return the public reference that names ``instance`` in an entry."""
    label = instance._meta.label
    attribute = settings.AUDIT_OBJECT_REFERENCES.get(label)
    if attribute is None:
        return f"{label} {instance.pk}"
    return str(getattr(instance, attribute))


def _entry_context(instance: models.Model) -> dict[str, Any]:
    request = current_request()
    user = getattr(request, "user", None)
    actor_id = user.pk if user is not None and user.is_authenticated else None
    return {
        "object_repr": object_reference(instance),
        "actor_id": actor_id,
        "client_network": client_network(request),
        "cid": current_request_id(),
        # Given explicitly, so the library neither serializes the object
        # nor calls a get_additional_data() that could return personal data.
        "serialized_data": None,
        "additional_data": None,
    }


def register_inventory_models() -> list[str]:
    """Register every model with a declared PII field, and return their labels.

    Many-to-many fields, such as a user's groups, are recorded too, by the
    primary keys of the related objects.
    """
    declared = {entry.model for entry in inventory}
    labels = sorted(
        label for label in declared if label.partition(".")[0] not in UNTRACKED_APPS
    )
    for label in labels:
        model = apps.get_model(label)
        auditlog.register(
            model, m2m_fields={field.name for field in model._meta.many_to_many}
        )
    return labels
