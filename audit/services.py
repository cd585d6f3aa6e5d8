"""Write access-log entries. Callers pass ids and names, never values."""

import logging
from typing import Any, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from audit.client import client_network
from audit.models import AccessEvent

logger = logging.getLogger(__name__)


def access_event_record(
    *,
    actor: AbstractBaseUser,
    action: str,
    request: HttpRequest | None = None,
    applicant_reference: str = "",
    field: str = "",
    reason: str = "",
    outcome: str = AccessEvent.Outcome.ALLOWED,
    detail: dict[str, Any] | None = None,
) -> AccessEvent:
    """Record one staff action in the access log and return the entry."""
    event = AccessEvent.objects.create(
        # AUTH_USER_MODEL is a model of another app, which audit does not
        # import, so the type checker cannot see that actor is one.
        actor=cast(Any, actor),
        action=action,
        outcome=outcome,
        applicant_reference=applicant_reference,
        field=field,
        reason=reason,
        client_network=client_network(request),
        detail=detail or {},
    )
    logger.info(
        "Access event %s: %s %s on %s",
        event.pk,
        action,
        outcome,
        applicant_reference or "-",
        extra={"actor_id": str(actor.pk)},
    )
    return event
