"""Act on security events: acknowledge them, suspend and restore reveal rights.

Each change a staff member makes here writes an access-log entry in the
same transaction. The onboarding app reads ``reveal_right_suspended`` in
its reveal checks, which is why suspensions live in the audit app and not
in the detection app that creates them.
"""

import logging
import uuid
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AccessEvent, RevealSuspension, SecurityEvent
from audit.services import access_event_record

security_logger = logging.getLogger("audit.security")


def security_events_acknowledge(
    *,
    actor: AbstractBaseUser,
    events: Iterable[SecurityEvent],
    request: HttpRequest | None = None,
) -> int:
    """Mark the open events among ``events`` acknowledged by ``actor``.

    Return how many were open. Events already acknowledged keep their
    first acknowledgement.
    """
    ids = [event.pk for event in events]
    with transaction.atomic():
        open_ids = list(
            SecurityEvent.objects.select_for_update()
            .filter(pk__in=ids, status=SecurityEvent.Status.OPEN)
            .values_list("pk", flat=True)
        )
        SecurityEvent.objects.filter(pk__in=open_ids).update(
            status=SecurityEvent.Status.ACKNOWLEDGED,
            acknowledged_by=actor.pk,
            acknowledged_at=timezone.now(),
        )
        if open_ids:
            access_event_record(
                actor=actor,
                action=AccessEvent.Action.SECURITY_EVENT_ACKNOWLEDGE,
                request=request,
                detail={"security_events": sorted(open_ids)},
            )
    return len(open_ids)


def reveal_right_suspend(
    *, user_id: uuid.UUID | str, security_event: SecurityEvent
) -> RevealSuspension | None:
    """Withdraw a user's reveal right until a security officer restores it.

    Return the new suspension, or None when one is already open.
    """
    try:
        with transaction.atomic():
            suspension = RevealSuspension.objects.create(
                user_id=user_id, security_event=security_event
            )
    except IntegrityError:
        return None
    security_logger.warning(
        "Reveal right suspended by security event %s",
        security_event.pk,
        extra={"actor_id": str(user_id)},
    )
    return suspension


def reveal_rights_restore(
    *,
    actor: AbstractBaseUser,
    suspensions: Iterable[RevealSuspension],
    request: HttpRequest | None = None,
) -> int:
    """End the open suspensions among ``suspensions``; return how many.

    A suspension of ``actor``'s own reveal right is left open: another
    officer must restore it.
    """
    ids = [suspension.pk for suspension in suspensions]
    with transaction.atomic():
        open_rows = list(
            RevealSuspension.objects.select_for_update()
            .filter(pk__in=ids, restored_at__isnull=True)
            .exclude(user_id=actor.pk)
        )
        for suspension in open_rows:
            suspension.restored_by_id = actor.pk
            suspension.restored_at = timezone.now()
            suspension.save(update_fields=["restored_by", "restored_at"])
            access_event_record(
                actor=actor,
                action=AccessEvent.Action.REVEAL_RIGHT_RESTORE,
                request=request,
                detail={
                    "user": str(suspension.user_id),
                    "suspension": suspension.pk,
                },
            )
    return len(open_rows)


def reveal_right_suspended(user: AbstractBaseUser) -> bool:
    """Return whether ``user`` has a suspension that nobody restored yet."""
    return RevealSuspension.objects.filter(
        user_id=user.pk, restored_at__isnull=True
    ).exists()
