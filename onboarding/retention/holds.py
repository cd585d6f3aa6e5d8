"""Set and lift a legal hold, which pauses every retention rule for an applicant.

Compliance sets a hold when a record must be kept beyond its retention
period, for a dispute, an investigation or a court order. Setting and
lifting both take a written reason, and both write an access-log entry with
that reason, encrypted, in the same transaction.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AccessEvent
from audit.services import access_event_record
from onboarding.models import Applicant, User
from onboarding.retention.exceptions import LegalHoldError

logger = logging.getLogger(__name__)

PERMISSION = "onboarding.set_legal_hold"
MINIMUM_REASON_LENGTH = 15
# Access-log actions of the two changes.
LEGAL_HOLD_SET = AccessEvent.Action.LEGAL_HOLD_SET
LEGAL_HOLD_LIFTED = AccessEvent.Action.LEGAL_HOLD_LIFTED

REASON_TOO_SHORT = (
    f"Give a reason of at least {MINIMUM_REASON_LENGTH} characters, without "
    "personal data."
)
ALREADY_HELD = "Application {reference} is already on legal hold."
NOT_HELD = "Application {reference} is not on legal hold."
ERASED = "Application {reference} is erased; there is nothing left to hold."


def applicant_legal_hold_set(
    *, actor: User, applicant: Applicant, reason: str, request: HttpRequest
) -> Applicant:
    """Put ``applicant`` on legal hold and record it with ``reason``.

    Raises PermissionDenied when ``actor`` lacks the permission or owns the
    application, and LegalHoldError when the reason is too short, the
    application is already held, or it is erased.
    """
    _check(actor=actor, applicant=applicant, reason=reason)
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if locked.status == Applicant.Status.ERASED:
            raise LegalHoldError(ERASED.format(reference=locked.reference))
        if locked.legal_hold:
            raise LegalHoldError(ALREADY_HELD.format(reference=locked.reference))
        locked.legal_hold = True
        locked.legal_hold_reason = reason.strip()
        locked.legal_hold_set_at = timezone.now()
        locked.legal_hold_set_by = actor
        locked.save(update_fields=HOLD_FIELDS)
        access_event_record(
            actor=actor,
            action=LEGAL_HOLD_SET,
            request=request,
            applicant_reference=locked.reference,
            reason=reason.strip(),
        )
    logger.info("Legal hold set on %s", locked.reference)
    return locked


def applicant_legal_hold_lift(
    *, actor: User, applicant: Applicant, reason: str, request: HttpRequest
) -> Applicant:
    """Lift the legal hold on ``applicant`` and record it with ``reason``.

    The hold's own reason is cleared, and the access log keeps it. Raises as
    ``applicant_legal_hold_set`` does, and LegalHoldError when no hold is
    set. Retention rules act on the applicant again at their next run.
    """
    _check(actor=actor, applicant=applicant, reason=reason)
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if not locked.legal_hold:
            raise LegalHoldError(NOT_HELD.format(reference=locked.reference))
        locked.legal_hold = False
        locked.legal_hold_reason = None
        locked.legal_hold_set_at = None
        locked.legal_hold_set_by = None
        locked.save(update_fields=HOLD_FIELDS)
        access_event_record(
            actor=actor,
            action=LEGAL_HOLD_LIFTED,
            request=request,
            applicant_reference=locked.reference,
            reason=reason.strip(),
        )
    logger.info("Legal hold lifted on %s", locked.reference)
    return locked


# Saved without updated_at, so a hold does not count as activity on a draft
# and the draft rule's clock runs on while the hold is set.
HOLD_FIELDS = (
    "legal_hold",
    "legal_hold_reason",
    "legal_hold_set_at",
    "legal_hold_set_by",
)


def _check(*, actor: User, applicant: Applicant, reason: str) -> None:
    if not actor.has_perm(PERMISSION) or applicant.user_id == actor.pk:
        raise PermissionDenied
    if len(reason.strip()) < MINIMUM_REASON_LENGTH:
        raise LegalHoldError(REASON_TOO_SHORT)
