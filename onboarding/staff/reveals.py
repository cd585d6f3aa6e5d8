"""Reveal an applicant's field to a staff member: checked, limited, audited.

A reveal passes these checks in order:

1. the field's permission from the PII inventory;
2. a reveal right that no detection rule has suspended (audit.triage);
3. a record other than the staff member's own;
4. a second factor confirmed within STAFF_STEP_UP_SECONDS;
5. a written reason;
6. room under the hourly limit STAFF_REVEALS_PER_HOUR;
7. for fields the inventory marks so, a second staff member's approval
   given within STAFF_REVEAL_APPROVAL_TTL.

Every attempt, allowed or refused, writes one access-log entry.
"""

import datetime
import logging
from dataclasses import dataclass
from typing import NoReturn

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from audit.models import AccessEvent
from audit.services import access_event_record
from audit.triage import reveal_right_suspended
from onboarding.models import Applicant, RevealRequest, User
from onboarding.pii import APPLICANT, USER
from onboarding.roles import holds_permission
from onboarding.staff.two_factor import otp_verified_recently
from vault import detector
from vault.inventory import PiiField, inventory
from vault.reveal import reveal_value

logger = logging.getLogger(__name__)

MINIMUM_REASON_LENGTH = 15
PERSONAL_DATA_IN_REASON = "personal data in reason"


@dataclass(frozen=True)
class RevealTarget:
    """The location of a revealable field: the applicant row or its user."""

    name: str
    model: str
    on_user: bool = False

    @property
    def declaration(self) -> PiiField:
        return inventory.get(self.model, self.name)

    def instance(self, applicant: Applicant) -> Applicant | User:
        if self.on_user and applicant.user is not None:
            return applicant.user
        return applicant


REVEAL_TARGETS = {
    target.name: target
    for target in [
        RevealTarget("email", USER, on_user=True),
        *(
            RevealTarget(name, APPLICANT)
            for name in (
                "legal_name",
                "date_of_birth",
                "phone",
                "address_line1",
                "address_line2",
                "postal_code",
                "city",
                "address_country",
                "national_id",
            )
        ),
    ]
}


REFUSALS = {
    "unknown field": _("This field cannot be revealed."),
    "permission": _("Your role may not reveal this field."),
    "suspended": _(
        "Your reveal right is suspended after unusual activity. A security "
        "officer can restore it."
    ),
    "own record": _("You cannot reveal values of your own application."),
    "step-up": _("Confirm your second factor again before revealing a value."),
    "reason": _("Give a reason of at least %(length)d characters.")
    % {"length": MINIMUM_REASON_LENGTH},
    PERSONAL_DATA_IN_REASON: _(
        "Give the reason without e-mail addresses, phone numbers, ID numbers "
        "or dates of birth: the access log keeps it."
    ),
    "rate limit": _(
        "You reached the hourly limit of reveals. Try again later or ask a "
        "security officer."
    ),
    "own request": _("A second officer must approve; you cannot approve your own."),
    "not pending": _("This request was already approved or has expired."),
    "approval": _(
        "This field needs a second compliance officer's approval first. "
        "Request it, then reveal it once it is approved."
    ),
}


class RevealRefusedError(Exception):
    """A reveal was refused; ``rule`` names the check that failed."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        super().__init__(str(REFUSALS.get(rule, _("This request is not allowed."))))


@sensitive_variables("reason", "value")
def applicant_field_reveal(
    *,
    actor: User,
    applicant: Applicant,
    field: str,
    reason: str,
    request: HttpRequest,
) -> str:
    """Return the field's value in full and record the reveal.

    Raises RevealRefusedError, after recording the refusal, when any check
    fails.
    """
    target = _checked_target(
        actor=actor, applicant=applicant, field=field, request=request
    )
    try:
        _check_reason(reason)
        with transaction.atomic():
            _check_rate_limit(actor)
            approval = _usable_approval(actor, applicant, target)
            value = reveal_value(
                user=actor, instance=target.instance(applicant), field=field
            )
            if approval is not None:
                approval.used_at = timezone.now()
                approval.save(update_fields=["used_at"])
            access_event_record(
                actor=actor,
                action=AccessEvent.Action.REVEAL,
                request=request,
                applicant_reference=applicant.reference,
                field=field,
                reason=reason,
            )
    except RevealRefusedError as refusal:
        _record_refusal(actor, applicant, field, refusal.rule, request)
        raise
    return value


def reveal_request_create(
    *,
    actor: User,
    applicant: Applicant,
    field: str,
    reason: str,
    request: HttpRequest,
) -> RevealRequest:
    """Ask for a second officer's approval to reveal a field, and record it."""
    target = _checked_target(
        actor=actor, applicant=applicant, field=field, request=request
    )
    if not target.declaration.reveal_needs_approval:
        raise RevealRefusedError(rule="unknown field")
    _check_reason(reason)
    with transaction.atomic():
        reveal_request = RevealRequest.objects.create(
            applicant=applicant, field=field, requested_by=actor, reason=reason
        )
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.REVEAL_REQUEST,
            request=request,
            applicant_reference=applicant.reference,
            field=field,
            reason=reason,
            detail={"reveal_request": reveal_request.pk},
        )
    return reveal_request


def reveal_request_approve(
    *, actor: User, reveal_request: RevealRequest, request: HttpRequest
) -> RevealRequest:
    """Approve another officer's pending request and record the approval."""
    applicant = reveal_request.applicant
    target = _checked_target(
        actor=actor, applicant=applicant, field=reveal_request.field, request=request
    )
    with transaction.atomic():
        locked = RevealRequest.objects.select_for_update().get(pk=reveal_request.pk)
        refusal = _approval_refusal(locked, actor)
        if refusal is None:
            locked.approved_by = actor
            locked.approved_at = timezone.now()
            locked.save(update_fields=["approved_by", "approved_at"])
            access_event_record(
                actor=actor,
                action=AccessEvent.Action.REVEAL_APPROVAL,
                request=request,
                applicant_reference=applicant.reference,
                field=target.name,
                detail={"reveal_request": locked.pk},
            )
    # The refusal is recorded after the transaction, which it would
    # otherwise roll back along with the entry.
    if refusal is not None:
        _refuse(actor, applicant, target.name, refusal, request)
    return locked


def _approval_refusal(reveal_request: RevealRequest, actor: User) -> str | None:
    """Return the rule that forbids ``actor`` to approve, or None."""
    if reveal_request.requested_by_id == actor.pk:
        return "own request"
    if reveal_request.approved_at is not None or _expired(reveal_request.requested_at):
        return "not pending"
    return None


def pending_reveal_requests(
    *, actor: User, applicant: Applicant
) -> list[RevealRequest]:
    """Return open requests on ``applicant`` that ``actor`` could approve."""
    window_start = timezone.now() - _approval_ttl()
    return [
        reveal_request
        for reveal_request in applicant.reveal_requests.filter(
            approved_at__isnull=True, requested_at__gte=window_start
        ).exclude(requested_by=actor)
        if holds_permission(
            actor,
            REVEAL_TARGETS[reveal_request.field].declaration.reveal_permission or "",
        )
    ]


def _checked_target(
    *, actor: User, applicant: Applicant, field: str, request: HttpRequest
) -> RevealTarget:
    target = REVEAL_TARGETS.get(field)
    if target is None:
        _refuse(actor, applicant, field[:64], "unknown field", request)
    permission = target.declaration.reveal_permission
    if not permission or not holds_permission(actor, permission):
        _refuse(actor, applicant, field, "permission", request)
    if reveal_right_suspended(actor):
        _refuse(actor, applicant, field, "suspended", request)
    if applicant.user_id == actor.pk:
        _refuse(actor, applicant, field, "own record", request)
    if not otp_verified_recently(request, settings.STAFF_STEP_UP_SECONDS):
        _refuse(actor, applicant, field, "step-up", request)
    return target


def _check_reason(reason: str) -> None:
    if len(reason.strip()) < MINIMUM_REASON_LENGTH:
        raise RevealRefusedError(rule="reason")
    # The access log keeps the reason, and the Security role can read it
    # there, so it must state the purpose without copying anyone's details.
    if detector.contains_pii(reason):
        raise RevealRefusedError(rule=PERSONAL_DATA_IN_REASON)


def _check_rate_limit(actor: User) -> None:
    # Locking the staff member's row makes their concurrent reveals count
    # one after another, so parallel requests cannot all pass the limit.
    User.objects.select_for_update().only("pk").get(pk=actor.pk)
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = AccessEvent.objects.filter(
        actor=actor,
        action=AccessEvent.Action.REVEAL,
        outcome=AccessEvent.Outcome.ALLOWED,
        occurred_at__gte=since,
    ).count()
    if recent >= settings.STAFF_REVEALS_PER_HOUR:
        raise RevealRefusedError(rule="rate limit")


def _usable_approval(
    actor: User, applicant: Applicant, target: RevealTarget
) -> RevealRequest | None:
    if not target.declaration.reveal_needs_approval:
        return None
    approval = (
        RevealRequest.objects.select_for_update()
        .filter(
            applicant=applicant,
            field=target.name,
            requested_by=actor,
            approved_at__gte=timezone.now() - _approval_ttl(),
            used_at__isnull=True,
        )
        .first()
    )
    if approval is None:
        raise RevealRefusedError(rule="approval")
    return approval


def _approval_ttl() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.STAFF_REVEAL_APPROVAL_TTL)


def _expired(moment: datetime.datetime) -> bool:
    return moment < timezone.now() - _approval_ttl()


def _refuse(
    actor: User, applicant: Applicant, field: str, rule: str, request: HttpRequest
) -> NoReturn:
    _record_refusal(actor, applicant, field, rule, request)
    raise RevealRefusedError(rule=rule)


def _record_refusal(
    actor: User, applicant: Applicant, field: str, rule: str, request: HttpRequest
) -> None:
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.REVEAL,
        outcome=AccessEvent.Outcome.DENIED,
        request=request,
        applicant_reference=applicant.reference,
        field=field,
        detail={"rule": rule},
    )
    logger.warning(
        "Reveal rejected by rule %s on %s",
        rule,
        applicant.reference,
        extra={"actor_id": str(actor.pk)},
    )
