"""Changes to accounts and applications. Views call these; nothing else saves.

Every service takes keyword arguments. Sign-up and verification act for an
anonymous visitor, so they take no acting user; the rest act for the
signed-in applicant.
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit.models import AccessEvent
from audit.services import access_event_record
from onboarding.models import Applicant, EmailVerification, User, WizardDraft
from onboarding.signals import applicant_submitted
from vault import blind_index, tokens

logger = logging.getLogger(__name__)


@sensitive_variables("email", "password", "password_hash")
def user_sign_up(*, email: str, password: str) -> None:
    """Create an unverified account and e-mail a confirmation link.

    When the address already has an account, its owner gets an e-mail
    instead and nothing is created, so the caller sees the same outcome
    either way and cannot learn who is registered. Two sign-ups racing with
    one address meet the unique constraint on the blind index, and the
    loser is treated as an existing account.

    The account has no usable password until a link is confirmed: each link
    carries the hash of the password chosen with it, and confirming needs
    that password. Whoever signs up first with another person's address
    cannot confirm, because the link goes to that person's mailbox.
    """
    # Hash before the lookup, so both outcomes cost the same time.
    password_hash = make_password(password)
    address_indexes = blind_index.email_index_candidates(email)

    existing = User.objects.filter(email_index__in=address_indexes).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User(email=email.strip())
                user.set_unusable_password()
                user.save()
        except IntegrityError:
            logger.info("Sign-up raced with another for the same address")
            existing = User.objects.get(email_index__in=address_indexes)
        else:
            logger.info("Account created", extra={"user_id": str(user.id)})
            email_verification_send(user=user, password_hash=password_hash)
            return

    if existing.is_email_verified:
        _send_already_registered(user=existing)
    else:
        email_verification_send(user=existing, password_hash=password_hash)


@sensitive_variables("password_hash", "token", "link")
def email_verification_send(*, user: User, password_hash: str | None = None) -> None:
    """E-mail ``user`` a new single-use link that confirms their address.

    ``password_hash`` is the password chosen at sign-up. Without one, as
    for a resend by staff, the link keeps the hash of the user's newest
    earlier link, so the applicant confirms with the password they chose.
    """
    if password_hash is None:
        newest = user.email_verifications.order_by("-created_at").first()
        password_hash = newest.password_hash if newest else ""
    token = tokens.new_secret_token()
    lifetime = datetime.timedelta(seconds=settings.ONBOARDING_VERIFICATION_LINK_TTL)
    EmailVerification.objects.create(
        user=user,
        token_digest=tokens.token_digest(token),
        expires_at=timezone.now() + lifetime,
        password_hash=password_hash,
    )
    link = _absolute_url(reverse("onboarding:verify-email", args=[token]))
    _send_mail(
        user=user,
        subject="Confirm your email address",
        template="onboarding/email/verify_email",
        context={"link": link, "hours": lifetime.total_seconds() // 3600},
    )
    logger.info("Verification link sent", extra={"user_id": str(user.id)})


@sensitive_variables("token")
def email_verification_find(*, token: str) -> EmailVerification | None:
    """Return the usable verification behind ``token``, or None."""
    verification = (
        EmailVerification.objects.select_related("user")
        .filter(token_digest=tokens.token_digest(token))
        .first()
    )
    if verification is None or not verification.is_usable():
        return None
    return verification


class WrongSignUpPasswordError(ValueError):
    """The password differs from the one chosen with this link's sign-up."""


@sensitive_variables("token", "password")
def email_verification_confirm(*, token: str, password: str) -> User | None:
    """Verify the address behind ``token``, set its password, spend the token.

    Returns the user, or None when the token is unknown, used or expired.
    Raises WrongSignUpPasswordError, leaving the link usable, when
    ``password`` is not the one chosen with this link. A link without a
    password hash sets ``password`` as the account's password. The row is
    locked, so two clicks on the same link verify once.
    """
    with transaction.atomic():
        verification = (
            EmailVerification.objects.select_for_update()
            .select_related("user")
            .filter(token_digest=tokens.token_digest(token))
            .first()
        )
        if verification is None or not verification.is_usable():
            return None
        if verification.password_hash and not check_password(
            password, verification.password_hash
        ):
            msg = "The password differs from the one chosen at sign-up."
            raise WrongSignUpPasswordError(msg)
        now = timezone.now()
        verification.used_at = now
        verification.save(update_fields=["used_at"])
        user = verification.user
        if verification.password_hash:
            user.password = verification.password_hash
        else:
            user.set_password(password)
        if user.email_verified_at is None:
            user.email_verified_at = now
        user.save(update_fields=["email_verified_at", "email_index", "password"])
        # Every other open link for this user stops working too.
        user.email_verifications.filter(used_at__isnull=True).update(used_at=now)
    logger.info("Email address verified", extra={"user_id": str(user.id)})
    return user


def applicant_for_user(*, user: User) -> Applicant:
    """Return the user's application, creating an empty draft on first use."""
    applicant, created = Applicant.objects.get_or_create(user=user)
    if created:
        logger.info("Application started", extra={"applicant": applicant.reference})
    return applicant


@sensitive_variables("data")
def applicant_submit(*, applicant: Applicant, data: dict[str, Any]) -> Applicant:
    """Store the wizard's validated data and submit the application.

    Raises ValueError when the application was already submitted, so a
    second tab cannot overwrite a finished application.
    """
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if not locked.is_editable:
            msg = f"Application {locked.reference} is no longer a draft."
            raise ValueError(msg)
        for field in SUBMITTED_FIELDS:
            setattr(locked, field, data[field])
        locked.phone_index = blind_index.phone_index(locked.phone)
        locked.national_id_index = blind_index.national_id_index(
            locked.national_id_country, locked.national_id
        )
        now = timezone.now()
        locked.consented_at = now
        locked.submitted_at = now
        locked.status = Applicant.Status.SUBMITTED
        locked.save()
        WizardDraft.objects.filter(applicant=locked).delete()
        applicant_submitted.send(sender=Applicant, reference=locked.reference)
    logger.info("Application submitted", extra={"applicant": locked.reference})
    return locked


SUBMITTED_FIELDS = (
    "legal_name",
    "date_of_birth",
    "phone",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "address_country",
    "national_id_country",
    "national_id",
)


def _send_already_registered(*, user: User) -> None:
    _send_mail(
        user=user,
        subject="Someone tried to sign up with your address",
        template="onboarding/email/already_registered",
        context={"sign_in_link": _absolute_url(reverse("onboarding:sign-in"))},
    )
    logger.info("Sign-up for an existing account", extra={"user_id": str(user.id)})


@sensitive_variables("body", "context")
def _send_mail(
    *, user: User, subject: str, template: str, context: dict[str, Any]
) -> None:
    # The plain-text body and the HTML alternative render one context, so
    # both carry the same link, built from SITE_URL.
    message = EmailMultiAlternatives(
        subject, render_to_string(f"{template}.txt", context), None, [user.email]
    )
    message.attach_alternative(
        render_to_string(f"{template}.html", context), "text/html"
    )
    message.send()


def _absolute_url(path: str) -> str:
    # Built from SITE_URL and never from the request's Host header, which a
    # client controls and could point at a server of its own.
    return f"{settings.SITE_URL}{path}"


DECISIONS = (Applicant.Status.VERIFIED, Applicant.Status.REJECTED)


class DecisionError(ValueError):
    """The application is not in a state that can be decided."""


def applicant_decide(
    *, actor: User, applicant: Applicant, decision: str, request: HttpRequest
) -> Applicant:
    """Approve (verified) or reject a submitted application, and record it.

    Raises DecisionError when ``decision`` is not one of DECISIONS or the
    application is not submitted, and PermissionDenied when ``actor`` may
    not decide or owns the application.
    """
    if (
        not actor.has_perm("onboarding.decide_applicant")
        or applicant.user_id == actor.pk
    ):
        raise PermissionDenied
    if decision not in DECISIONS:
        msg = f"Unknown decision; expected one of {', '.join(DECISIONS)}."
        raise DecisionError(msg)
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if locked.status != Applicant.Status.SUBMITTED:
            msg = f"Application {locked.reference} is {locked.status}, not submitted."
            raise DecisionError(msg)
        _decision_apply(locked, decision)
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.DECISION,
            request=request,
            applicant_reference=locked.reference,
            detail={"decision": decision},
        )
    logger.info("Application %s decided: %s", locked.reference, decision)
    return locked


def applicant_verification_record(
    *, reference: str, outcome: str, provider: str
) -> Applicant | None:
    """Record an identity provider's outcome on a submitted application.

    ``outcome`` is one of DECISIONS. Returns the application, or None when
    it is no longer submitted, because staff decided first or the task ran
    twice; the outcome is then dropped. The access log names the provider
    as the one who decided.
    """
    if outcome not in DECISIONS:
        msg = f"Unknown outcome; expected one of {', '.join(DECISIONS)}."
        raise DecisionError(msg)
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=reference)
        if locked.status != Applicant.Status.SUBMITTED:
            logger.info(
                "Outcome from %s for %s dropped: the application is %s",
                provider,
                reference,
                locked.status,
            )
            return None
        _decision_apply(locked, outcome)
        access_event_record(
            actor=None,
            action=AccessEvent.Action.DECISION,
            applicant_reference=reference,
            detail={"decision": outcome, "provider": provider},
        )
    logger.info("Application %s decided by %s: %s", reference, provider, outcome)
    return locked


def _decision_apply(applicant: Applicant, decision: str) -> None:
    now = timezone.now()
    applicant.status = decision
    applicant.verification_outcome = decision
    # The retention rules count from these times: minimization from
    # verified_at, erasure of a rejected application from closed_at.
    if decision == Applicant.Status.VERIFIED:
        applicant.verified_at = now
    else:
        applicant.closed_at = now
    applicant.save(
        update_fields=[
            "status",
            "verification_outcome",
            "verified_at",
            "closed_at",
            "updated_at",
        ]
    )


def verification_resend(
    *, actor: User, applicant: Applicant, request: HttpRequest
) -> bool:
    """Send the applicant a new verification link if the address is unverified.

    Returns whether a link was sent, and records the request either way.
    """
    if (
        not actor.has_perm("onboarding.resend_verification")
        or applicant.user_id == actor.pk
    ):
        raise PermissionDenied
    user = applicant.user
    # An erased application has no user left to write to.
    sent = user is not None and not user.is_email_verified
    if user is not None and sent:
        email_verification_send(user=user)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.RESEND_VERIFICATION,
        request=request,
        applicant_reference=applicant.reference,
        detail={"sent": sent},
    )
    return sent
