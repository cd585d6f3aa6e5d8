"""Each retention rule on a real worker, on records that straddle its limit.

Every test plants records just past the limit, just inside it, past it but
under legal hold, and records the rule must never touch, then runs the
rule through Celery and checks exactly what is left.
"""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

from audit.models import AccessEvent
from audit.services import access_event_record
from onboarding.models import (
    Applicant,
    EmailVerification,
    RevealRequest,
    User,
    WizardDraft,
)
from onboarding.retention.rules import RULES
from tests.retention import records
from tests.retention.conftest import run_on_worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker"),
]

MARGIN = records.MARGIN
LIVE = datetime.timedelta(hours=8)


def exists(model, pk) -> bool:
    return model.objects.filter(pk=pk).exists()


def test_abandoned_drafts_removes_only_past_limit():
    limit = records.days("RETENTION_DRAFT_DAYS")
    past = records.draft(limit + MARGIN)
    inside = records.draft(limit - MARGIN)
    held = records.draft(limit + MARGIN, hold=True)
    signed_in_lately = records.draft(limit + MARGIN, signed_in=limit - MARGIN)
    staff_own = records.draft(limit + MARGIN, staff=True)
    old_submitted = records.submitted()
    Applicant.objects.filter(pk=old_submitted.pk).update(
        updated_at=records.ago(limit + MARGIN)
    )
    past_session = records.session_for(past.user, expires_in=LIVE)
    inside_session = records.session_for(inside.user, expires_in=LIVE)

    detail = run_on_worker("abandoned_drafts")

    assert not exists(User, past.user_id)
    assert not exists(Applicant, past.pk)
    assert not WizardDraft.objects.filter(applicant_id=past.pk).exists()
    assert not exists(Session, past_session)
    assert not exists(Applicant, staff_own.pk)
    assert exists(User, staff_own.user_id)
    for kept in (inside, held, signed_in_lately, old_submitted):
        assert exists(Applicant, kept.pk)
        assert exists(User, kept.user_id)
    assert WizardDraft.objects.filter(applicant_id=inside.pk).exists()
    assert exists(Session, inside_session)
    assert detail["outcome"] == "completed"
    assert detail["counts"] == {
        "onboarding.Applicant": 2,
        "onboarding.User": 1,
        "onboarding.WizardDraft": 2,
        "sessions.Session": 1,
    }


def test_unverified_sign_ups_removes_only_past_limit():
    limit = records.days("RETENTION_UNVERIFIED_DAYS")
    past = records.unverified(limit + MARGIN)
    inside = records.unverified(limit - MARGIN)
    link_resent = records.unverified(limit + MARGIN, link_age=limit - MARGIN)
    held_user = records.unverified(limit + MARGIN)
    Applicant.objects.create(user=held_user, legal_hold=True)
    verified = records.new_user()
    User.objects.filter(pk=verified.pk).update(date_joined=records.ago(limit + MARGIN))

    detail = run_on_worker("unverified_sign_ups")

    assert not exists(User, past.pk)
    assert not EmailVerification.objects.filter(user_id=past.pk).exists()
    for kept in (inside, link_resent, held_user, verified):
        assert exists(User, kept.pk)
    assert EmailVerification.objects.filter(user_id=inside.pk).exists()
    assert detail["counts"] == {
        "onboarding.EmailVerification": 1,
        "onboarding.User": 1,
    }


def test_verified_minimization_keeps_last_four_and_index():
    limit = records.days("RETENTION_MINIMIZE_DAYS")
    past = records.decided(Applicant.Status.VERIFIED, limit + MARGIN)
    inside = records.decided(Applicant.Status.VERIFIED, limit - MARGIN)
    held = records.decided(Applicant.Status.VERIFIED, limit + MARGIN, hold=True)
    rejected = records.decided(Applicant.Status.REJECTED, limit + MARGIN)
    expected_last4 = past.national_id.replace("-", "")[-4:]

    detail = run_on_worker("verified_minimization")

    past.refresh_from_db()
    assert past.national_id is None
    assert past.national_id_last4 == expected_last4
    assert past.national_id_index
    assert past.verification_outcome == Applicant.Outcome.VERIFIED
    assert past.minimized_at is not None
    assert past.legal_name
    for kept in (inside, held, rejected):
        kept_now = Applicant.objects.get(pk=kept.pk)
        assert kept_now.national_id == kept.national_id
        assert kept_now.national_id_last4 is None
        assert kept_now.minimized_at is None
    assert detail["counts"] == {"minimized": 1}


def raw_applicant_columns(reference: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM onboarding_applicant WHERE reference = %s", [reference]
        )
        names = [column.name for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_closed_applications_leave_tombstones(make_staff):
    limit = records.days("RETENTION_CLOSED_DAYS")
    officer = make_staff("Compliance")
    rejected = records.decided(Applicant.Status.REJECTED, limit + MARGIN)
    withdrawn = records.decided(Applicant.Status.WITHDRAWN, limit + MARGIN)
    inside = records.decided(Applicant.Status.REJECTED, limit - MARGIN)
    held = records.decided(Applicant.Status.REJECTED, limit + MARGIN, hold=True)
    verified = records.decided(Applicant.Status.VERIFIED, limit + MARGIN)
    records.reveal_request(rejected, officer)
    WizardDraft.objects.create(applicant=rejected, state="{}")
    session = records.session_for(rejected.user, expires_in=LIVE)
    access_event_record(
        actor=officer,
        action=AccessEvent.Action.VIEW,
        applicant_reference=rejected.reference,
    )

    detail = run_on_worker("closed_applications")

    for erased in (rejected, withdrawn):
        tombstone = Applicant.objects.get(pk=erased.pk)
        assert tombstone.status == Applicant.Status.ERASED
        assert tombstone.user_id is None
        assert tombstone.verification_outcome == erased.status
        assert tombstone.closed_at == erased.closed_at
        assert tombstone.submitted_at == erased.submitted_at
        assert tombstone.erased_at is not None
        assert not exists(User, erased.user_id)
    columns = raw_applicant_columns(rejected.reference)
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
        "national_id_last4",
        "legal_hold_reason",
    ):
        assert columns[name] is None, name
    assert columns["phone_index"] == ""
    assert columns["national_id_index"] == ""
    assert columns["national_id_country"] == ""
    assert not RevealRequest.objects.filter(applicant_id=rejected.pk).exists()
    assert not WizardDraft.objects.filter(applicant_id=rejected.pk).exists()
    assert not exists(Session, session)
    event = AccessEvent.objects.get(action=AccessEvent.Action.VIEW)
    assert Applicant.objects.filter(pk=event.applicant_reference).exists()
    assert exists(User, officer.pk)
    for kept in (inside, held, verified):
        kept_now = Applicant.objects.get(pk=kept.pk)
        assert kept_now.status == kept.status
        assert kept_now.legal_name == kept.legal_name
        assert exists(User, kept.user_id)
    assert detail["counts"] == {
        "erased": 2,
        "onboarding.RevealRequest": 1,
        "onboarding.User": 2,
        "onboarding.WizardDraft": 1,
        "sessions.Session": 1,
    }


def test_expired_sessions_removes_only_expired():
    user = records.new_user()
    expired = records.session_for(user, expires_in=-MARGIN)
    anonymous_expired = records.anonymous_session(expires_in=-MARGIN)
    live = records.session_for(user, expires_in=MARGIN)

    detail = run_on_worker("expired_sessions")

    assert not exists(Session, expired)
    assert not exists(Session, anonymous_expired)
    assert exists(Session, live)
    assert detail["counts"] == {"sessions.Session": 2}


def plant_every_kind() -> None:
    """Plant records on both sides of every rule's limit."""
    for setting, make in (
        ("RETENTION_DRAFT_DAYS", records.draft),
        ("RETENTION_UNVERIFIED_DAYS", records.unverified),
    ):
        limit = records.days(setting)
        make(limit + MARGIN)
        make(limit - MARGIN)
    for status, setting in (
        (Applicant.Status.VERIFIED, "RETENTION_MINIMIZE_DAYS"),
        (Applicant.Status.REJECTED, "RETENTION_CLOSED_DAYS"),
        (Applicant.Status.WITHDRAWN, "RETENTION_CLOSED_DAYS"),
    ):
        limit = records.days(setting)
        records.decided(status, limit + MARGIN)
        records.decided(status, limit - MARGIN)
    user = records.new_user()
    records.session_for(user, expires_in=-MARGIN)
    records.session_for(user, expires_in=MARGIN)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_second_run_changes_nothing(rule):
    plant_every_kind()

    first = run_on_worker(rule)
    after_first = records.snapshot()
    second = run_on_worker(rule)

    assert first["counts"]
    assert second["outcome"] == "completed"
    assert second["counts"] == {}
    assert records.snapshot() == after_first
