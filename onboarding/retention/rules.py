"""The retention rules: what each removes, and after how long.

Each rule selects its candidates with one queryset, which leaves out every
applicant under legal hold, and changes them in batches. ``apply`` selects
the batch again with the rule's conditions and locks its rows, so a row
that changed since it was listed (a draft resumed, a hold set) is left
alone. A row that a rule has handled no longer matches the rule, which makes
every run idempotent.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models.functions import Greatest

from onboarding.models import Applicant, User
from onboarding.pii import APPLICANT
from onboarding.retention.deletion import (
    dependents_delete,
    in_keys,
    rows_delete,
    sessions_delete,
)
from onboarding.retention.sessions import SessionIndex
from vault.inventory import inventory

SESSION_LABEL = Session._meta.label


@dataclass(frozen=True)
class RunContext:
    """The time of one run and its session index, shared by every batch."""

    now: datetime.datetime
    sessions: SessionIndex


class RetentionRule:
    """A kind of record that is removed or reduced once its limit has passed."""

    name: ClassVar[str]
    # One sentence for operators, printed by manage.py retention_report.
    summary: ClassVar[str]
    # The name of the setting with the limit in days, or None when the rows
    # carry their own expiry time.
    limit_setting: ClassVar[str | None] = None

    def limit(self) -> datetime.timedelta | None:
        if self.limit_setting is None:
            return None
        return datetime.timedelta(days=getattr(settings, self.limit_setting))

    def cutoff(self, now: datetime.datetime) -> datetime.datetime:
        """Return the time before which a record is past its limit."""
        limit = self.limit()
        return now if limit is None else now - limit

    def candidates(self, now: datetime.datetime) -> models.QuerySet[Any]:
        """Return what the rule would change at ``now``, without held applicants."""
        raise NotImplementedError

    def held(self, now: datetime.datetime) -> models.QuerySet[Any] | None:
        """Return what is past its limit but paused by a legal hold."""
        return None

    def next_batch(self, now: datetime.datetime, *, after: Any, size: int) -> list[Any]:
        """Return the primary keys of up to ``size`` candidates after ``after``.

        Keys come in primary-key order, so each query starts where the last
        one ended, and a candidate that ``apply`` leaves in place is not
        listed again.
        """
        queryset = self.candidates(now).order_by("pk")
        if after is not None:
            queryset = queryset.filter(pk__gt=after)
        return list(queryset.values_list("pk", flat=True)[:size])

    def apply(self, keys: list[Any], run: RunContext) -> Counter[str]:
        """Change the candidates among ``keys``. Call it inside a transaction."""
        raise NotImplementedError

    def _locked(self, keys: list[Any], now: datetime.datetime) -> models.QuerySet[Any]:
        queryset = self.candidates(now)
        return (
            queryset.filter(pk__in=in_keys(queryset.model, keys))
            .select_for_update(of=("self",))
            .order_by("pk")
        )


def _users_delete(user_ids: list[Any], run: RunContext) -> Counter[str]:
    """Delete accounts, what cascades from them, and their sessions."""
    counts: Counter[str] = Counter()
    if not user_ids:
        return counts
    sessions = sessions_delete(run.sessions.keys_for(user_ids))
    if sessions:
        counts[SESSION_LABEL] += sessions
    counts.update(rows_delete(User.objects.filter(pk__in=in_keys(User, user_ids))))
    return counts


def _split_by_owner(
    rows: list[tuple[str, Any, bool | None]],
) -> tuple[list[str], list[Any]]:
    """Split (reference, user id, is staff) rows into what to delete.

    Returns the applications to delete on their own and the users to delete
    with their applications. A staff member's own application goes, but
    their staff account stays.
    """
    applicant_only = [
        reference
        for reference, user_id, is_staff in rows
        if user_id is None or is_staff
    ]
    user_ids = [user_id for _, user_id, is_staff in rows if user_id and not is_staff]
    return applicant_only, user_ids


class AbandonedDrafts(RetentionRule):
    name = "abandoned_drafts"
    summary = (
        "Delete applications still in draft, with their accounts and sessions, "
        "once neither the draft nor a sign-in has touched them for the limit."
    )
    limit_setting = "RETENTION_DRAFT_DAYS"

    def _past_limit(self, now: datetime.datetime) -> models.QuerySet[Applicant]:
        # PostgreSQL's GREATEST ignores NULLs, so a user who never signed in
        # or a draft without saved steps counts from the other times.
        return (
            Applicant.objects.filter(status=Applicant.Status.DRAFT)
            .annotate(
                last_activity=Greatest(
                    "updated_at", "draft__updated_at", "user__last_login"
                )
            )
            .filter(last_activity__lt=self.cutoff(now))
        )

    def candidates(self, now: datetime.datetime) -> models.QuerySet[Applicant]:
        return self._past_limit(now).filter(legal_hold=False)

    def held(self, now: datetime.datetime) -> models.QuerySet[Applicant]:
        return self._past_limit(now).filter(legal_hold=True)

    def apply(self, keys: list[Any], run: RunContext) -> Counter[str]:
        rows = list(
            self._locked(keys, run.now).values_list("pk", "user_id", "user__is_staff")
        )
        applicant_only, user_ids = _split_by_owner(rows)
        counts: Counter[str] = Counter()
        if applicant_only:
            applicants = Applicant.objects.filter(
                pk__in=in_keys(Applicant, applicant_only)
            )
            counts.update(rows_delete(applicants))
        counts.update(_users_delete(user_ids, run))
        return counts


class UnverifiedSignUps(RetentionRule):
    name = "unverified_sign_ups"
    summary = (
        "Delete accounts whose address was never confirmed, once the limit has "
        "passed since they signed up and since their last confirmation link."
    )
    limit_setting = "RETENTION_UNVERIFIED_DAYS"

    def _past_limit(self, now: datetime.datetime) -> models.QuerySet[User]:
        cutoff = self.cutoff(now)
        # A new link, sent at a repeated sign-up or by support, starts the
        # period again. An unconfirmed account cannot sign in, so it has at
        # most an empty draft. Anything further along is left for a person.
        return (
            User.objects.filter(
                email_verified_at__isnull=True,
                is_staff=False,
                is_superuser=False,
                date_joined__lt=cutoff,
            )
            .exclude(email_verifications__created_at__gte=cutoff)
            .filter(
                models.Q(applicant__isnull=True)
                | models.Q(applicant__status=Applicant.Status.DRAFT)
            )
        )

    def candidates(self, now: datetime.datetime) -> models.QuerySet[User]:
        return self._past_limit(now).exclude(applicant__legal_hold=True)

    def held(self, now: datetime.datetime) -> models.QuerySet[User]:
        return self._past_limit(now).filter(applicant__legal_hold=True)

    def apply(self, keys: list[Any], run: RunContext) -> Counter[str]:
        user_ids = list(self._locked(keys, run.now).values_list("pk", flat=True))
        return _users_delete(user_ids, run)


class VerifiedMinimization(RetentionRule):
    name = "verified_minimization"
    summary = (
        "Reduce a verified applicant's national ID number to its last four "
        "characters; the blind index and the verification outcome stay."
    )
    limit_setting = "RETENTION_MINIMIZE_DAYS"

    def _past_limit(self, now: datetime.datetime) -> models.QuerySet[Applicant]:
        return Applicant.objects.filter(
            status=Applicant.Status.VERIFIED,
            minimized_at__isnull=True,
            verified_at__lt=self.cutoff(now),
        )

    def candidates(self, now: datetime.datetime) -> models.QuerySet[Applicant]:
        return self._past_limit(now).filter(legal_hold=False)

    def held(self, now: datetime.datetime) -> models.QuerySet[Applicant]:
        return self._past_limit(now).filter(legal_hold=True)

    def apply(self, keys: list[Any], run: RunContext) -> Counter[str]:
        counts: Counter[str] = Counter()
        rows = self._locked(keys, run.now).values_list("pk", "national_id")
        for reference, national_id in rows:
            # QuerySet.update() encrypts through the field and sends no
            # signal, so the change history gets no entry per row. The
            # run's access-log entry counts the rows instead.
            Applicant.objects.filter(pk=reference).update(
                national_id=None,
                national_id_last4=_last_four(national_id),
                minimized_at=run.now,
            )
            counts["minimized"] += 1
        return counts


def _last_four(national_id: str | None) -> str | None:
    characters = [ch for ch in national_id or "" if ch.isalnum()]
    return "".join(characters[-4:]) or None


class ClosedApplications(RetentionRule):
    name = "closed_applications"
    summary = (
        "Erase rejected and withdrawn applications: keep a tombstone with the "
        "reference, dates and outcome, and delete the account and all else."
    )
    limit_setting = "RETENTION_CLOSED_DAYS"

    def _past_limit(self, now: datetime.datetime) -> models.QuerySet[Applicant]:
        return Applicant.objects.filter(
            status__in=[Applicant.Status.REJECTED, Applicant.Status.WITHDRAWN],
            closed_at__lt=self.cutoff(now),
        )

    def candidates(self, now: datetime.datetime) -> models.QuerySet[Applicant]:
        return self._past_limit(now).filter(legal_hold=False)

    def held(self, now: datetime.datetime) -> models.QuerySet[Applicant]:
        return self._past_limit(now).filter(legal_hold=True)

    def apply(self, keys: list[Any], run: RunContext) -> Counter[str]:
        rows = list(
            self._locked(keys, run.now).values_list("pk", "user_id", "user__is_staff")
        )
        references = [reference for reference, _, _ in rows]
        _, user_ids = _split_by_owner(rows)
        counts: Counter[str] = Counter()
        erased = Applicant.objects.filter(pk__in=in_keys(Applicant, references))
        dependents_delete(erased, counts=counts)
        # The applicant is detached before its user is deleted, because
        # deleting a user deletes the application that still points at it.
        counts["erased"] += erased.update(
            user=None,
            status=Applicant.Status.ERASED,
            erased_at=run.now,
            **erased_values(),
        )
        counts.update(_users_delete(user_ids, run))
        return counts


def erased_values() -> dict[str, Any]:
    """Return the value of every column that erasure empties on an applicant.

    Every field the PII inventory declares for Applicant becomes NULL, which
    leaves no ciphertext, and every blind index becomes empty, because a
    keyed hash still lets someone with the key confirm a guessed value.
    """
    values: dict[str, Any] = {}
    for entry in inventory.for_model(APPLICANT):
        values[entry.field] = None
        if entry.blind_index is not None:
            values[entry.blind_index.field] = ""
    values.update(
        national_id_country="",
        legal_hold_set_at=None,
        legal_hold_set_by=None,
    )
    return values


class ExpiredSessions(RetentionRule):
    name = "expired_sessions"
    summary = (
        "Delete sessions past their expiry time, as Django's clearsessions "
        "does, in batches."
    )

    def candidates(self, now: datetime.datetime) -> models.QuerySet[Session]:
        # Sessions hold only Django's authentication keys and belong to no
        # applicant record, so a legal hold does not keep them.
        return Session.objects.filter(expire_date__lt=now)

    def apply(self, keys: list[Any], run: RunContext) -> Counter[str]:
        expired = Session.objects.filter(
            pk__in=in_keys(Session, keys), expire_date__lt=run.now
        )
        deleted = expired._raw_delete(expired.db)
        return Counter({SESSION_LABEL: deleted} if deleted else {})


RULES: dict[str, RetentionRule] = {
    rule.name: rule
    for rule in (
        AbandonedDrafts(),
        UnverifiedSignUps(),
        VerifiedMinimization(),
        ClosedApplications(),
        ExpiredSessions(),
    )
}
