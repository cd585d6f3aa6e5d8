"""Querysets of the append-only audit tables."""

from typing import Any

from django.db import models

from audit.exceptions import AppendOnlyError


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that rejects the bulk writes that would skip the chain."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise AppendOnlyError

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError
