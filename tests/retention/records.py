"""Factories of records at a chosen age, for the retention rules to act on.

Every value is synthetic and from a reserved range: example.com addresses,
the fictional London phone range and Finnish temporary identity codes.
Ages are set with QuerySet.update(), which bypasses auto_now.
"""

import datetime
import itertools
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from onboarding import services
from onboarding.models import (
    Applicant,
    EmailVerification,
    RevealRequest,
    User,
    WizardDraft,
)
from onboarding.synthetic import fictional_phone, temporary_hetu

_numbers = itertools.count(1)

# How far on either side of a limit the straddling records sit. The worker
# runs a few seconds after they are made, far less than this margin.
MARGIN = datetime.timedelta(hours=1)


def days(setting: str) -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, setting))


def ago(delta: datetime.timedelta) -> datetime.datetime:
    return timezone.now() - delta


def new_user(*, verified: bool = True, staff: bool = False) -> User:
    number = next(_numbers)
    return User.objects.create_user(
        f"retention.{number}@example.com",
        "retention-password-1",
        email_verified_at=timezone.now() if verified else None,
        is_staff=staff,
    )


def wizard_data(number: int) -> dict:
    born = datetime.date(1980, 1, 1) + datetime.timedelta(days=number)
    return {
        "legal_name": f"Retention Person{number}",
        "date_of_birth": born,
        "phone": fictional_phone(number % 1000),
        "address_line1": f"{number} Retentionstreet",
        "address_line2": "",
        "postal_code": "00100",
        "city": "Retentiontown",
        "address_country": "FI",
        "national_id_country": "FI",
        "national_id": temporary_hetu(born, 900 + number % 100),
    }


def draft(
    idle: datetime.timedelta,
    *,
    hold: bool = False,
    staff: bool = False,
    signed_in: datetime.timedelta | None = None,
) -> Applicant:
    """Return a draft with saved wizard steps, untouched for ``idle``."""
    user = new_user(staff=staff)
    applicant = services.applicant_for_user(user=user)
    WizardDraft.objects.create(applicant=applicant, state='{"step": "identity"}')
    WizardDraft.objects.filter(applicant=applicant).update(updated_at=ago(idle))
    Applicant.objects.filter(pk=applicant.pk).update(
        updated_at=ago(idle), legal_hold=hold
    )
    User.objects.filter(pk=user.pk).update(last_login=ago(signed_in or idle))
    return Applicant.objects.get(pk=applicant.pk)


def unverified(
    age: datetime.timedelta, *, link_age: datetime.timedelta | None = None
) -> User:
    """Return an unconfirmed account made ``age`` ago with a link of ``link_age``."""
    user = new_user(verified=False)
    User.objects.filter(pk=user.pk).update(date_joined=ago(age))
    EmailVerification.objects.create(
        user=user,
        token_digest=f"retention-digest-{user.pk}",
        expires_at=timezone.now(),
    )
    EmailVerification.objects.filter(user=user).update(created_at=ago(link_age or age))
    return User.objects.get(pk=user.pk)


def submitted(*, staff: bool = False) -> Applicant:
    user = new_user(staff=staff)
    applicant = services.applicant_for_user(user=user)
    return services.applicant_submit(
        applicant=applicant, data=wizard_data(next(_numbers))
    )


def decided(
    status: str, age: datetime.timedelta, *, hold: bool = False, staff: bool = False
) -> Applicant:
    """Return an application verified, rejected or withdrawn ``age`` ago."""
    applicant = submitted(staff=staff)
    fields = {"status": status, "verification_outcome": status, "legal_hold": hold}
    if status == Applicant.Status.VERIFIED:
        fields["verified_at"] = ago(age)
    else:
        fields["closed_at"] = ago(age)
    Applicant.objects.filter(pk=applicant.pk).update(**fields)
    return Applicant.objects.get(pk=applicant.pk)


def reveal_request(applicant: Applicant, staff_member: User) -> RevealRequest:
    return RevealRequest.objects.create(
        applicant=applicant,
        field="national_id",
        requested_by=staff_member,
        reason="Checking the number against a scanned document.",
    )


def session_for(user: User, *, expires_in: datetime.timedelta) -> str:
    """Store a signed-in session for ``user`` and return its key."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return store.session_key


def anonymous_session(*, expires_in: datetime.timedelta) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["visited"] = True
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return store.session_key


SNAPSHOT_TABLES = (
    "onboarding_user",
    "onboarding_applicant",
    "onboarding_wizarddraft",
    "onboarding_emailverification",
    "onboarding_revealrequest",
    "django_session",
)


def snapshot() -> dict[str, list[tuple]]:
    """Return every row, as stored, of the tables the rules change."""
    rows = {}
    with connection.cursor() as cursor:
        for table in SNAPSHOT_TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 - fixed names
            rows[table] = cursor.fetchall()
    return rows


def exists_applicant(reference: str) -> bool:
    return Applicant.objects.filter(pk=reference).exists()
