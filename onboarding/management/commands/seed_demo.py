"""Fill the database with synthetic applicants and demo staff accounts.

Every value comes from onboarding.synthetic, so from reserved ranges, and
every row is marked ``is_synthetic``. References and account ids come from
the seed too, so two runs with one seed into empty databases give the same
rows. Running the command again with the same seed creates nothing new: an
applicant whose reference exists, or whose address already has an account
(found through the email blind index), is skipped.
"""

import os
import uuid
from collections import Counter
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from onboarding import services
from onboarding.models import Applicant, User
from onboarding.roles import ensure_roles
from onboarding.synthetic import (
    FICTIONAL_PHONE_COUNT,
    SyntheticPerson,
    synthetic_people,
)
from vault import blind_index

DEFAULT_APPLICANT_COUNT = 12
DEFAULT_SEED = 2026

STAFF_EMAIL = "staff@example.com"
# One account per staff role, and a second compliance officer, because a
# four-eyes reveal needs another officer's approval.
ROLE_ACCOUNTS = {
    "support@example.org": "Support",
    "compliance@example.org": "Compliance",
    "compliance.second@example.org": "Compliance",
    "security@example.org": "Security",
    "administrator@example.org": "Administrator",
}
# Staff account ids derive from the address, so they repeat across runs.
STAFF_ID_NAMESPACE = uuid.UUID("6f0d2a4e-8a53-4c2e-9d0b-5e1f3c7a9b21")
STAFF_PASSWORD_VARIABLE = "DEMO_STAFF_PASSWORD"  # noqa: S105 - a variable name
# Published in the README, so it is accepted only while DEBUG is on, like the
# demo keys.
PUBLISHED_STAFF_PASSWORD = "demo-staff-password"  # noqa: S105

# An erased applicant is a tombstone: reference, dates and outcome, no user.
SEEDED_STATUSES = list(Applicant.Status)

COUNT_OUT_OF_RANGE = f"--applicants must be between 0 and {FICTIONAL_PHONE_COUNT}."
STAFF_PASSWORD_MISSING = (
    f"{STAFF_PASSWORD_VARIABLE} is not set and DEBUG is off. Set it to the "
    f"password for {STAFF_EMAIL}, because the published demo password is "
    "accepted only while DEBUG is on."
)
STAFF_PASSWORD_PUBLISHED = (
    f"{STAFF_PASSWORD_VARIABLE} is the published demo password and DEBUG is "
    "off. Set it to a password of your own."
)
STAFF_PASSWORD_INVALID = (
    f"{STAFF_PASSWORD_VARIABLE} fails the password validators: {{reasons}}"
)
STAFF_PASSWORD_FALLBACK = (
    f"{STAFF_PASSWORD_VARIABLE} is not set, so {STAFF_EMAIL} gets the "
    f'published demo password "{PUBLISHED_STAFF_PASSWORD}". Use this account '
    "on your own machine only."
)


class Command(BaseCommand):
    help = (
        "Create synthetic applicants in every status, the demo staff "
        f"superuser {STAFF_EMAIL} and one staff account per role. Running it "
        "again with the same seed skips what exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--applicants",
            type=int,
            default=DEFAULT_APPLICANT_COUNT,
            help=(
                "Number of synthetic applicants, between 0 and "
                f"{FICTIONAL_PHONE_COUNT} (default {DEFAULT_APPLICANT_COUNT})."
            ),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=(
                "Seed of the Faker generator. The same seed and Faker version "
                f"give the same applicants (default {DEFAULT_SEED})."
            ),
        )

    def handle(self, *args: Any, applicants: int, seed: int, **options: Any) -> None:
        if not 0 <= applicants <= FICTIONAL_PHONE_COUNT:
            raise CommandError(COUNT_OUT_OF_RANGE)
        # Resolve the password first, so a rejected one leaves the database as it is.
        staff_password = self._staff_password()
        people = synthetic_people(applicants, seed=seed)

        with transaction.atomic():
            staff_created = _seed_staff(password=staff_password)
            role_accounts_created = _seed_role_accounts(password=staff_password)
            created: Counter[str] = Counter()
            skipped = 0
            for position, person in enumerate(people):
                if _applicant_exists(person):
                    skipped += 1
                    continue
                status = SEEDED_STATUSES[position % len(SEEDED_STATUSES)]
                _seed_applicant(person, status=status)
                created[status] += 1

        self._report(created=created, skipped=skipped, staff_created=staff_created)
        self.stdout.write(
            f"Staff role accounts: {role_accounts_created} created, "
            f"{len(ROLE_ACCOUNTS) - role_accounts_created} already present."
        )

    def _staff_password(self) -> str:
        password = os.environ.get(STAFF_PASSWORD_VARIABLE, "")
        if not password:
            if not settings.DEBUG:
                raise CommandError(STAFF_PASSWORD_MISSING)
            self.stderr.write(self.style.WARNING(STAFF_PASSWORD_FALLBACK))
            return PUBLISHED_STAFF_PASSWORD
        if password == PUBLISHED_STAFF_PASSWORD and not settings.DEBUG:
            raise CommandError(STAFF_PASSWORD_PUBLISHED)
        try:
            validate_password(password, user=User(email=STAFF_EMAIL))
        except ValidationError as error:
            reasons = " ".join(error.messages)
            raise CommandError(STAFF_PASSWORD_INVALID.format(reasons=reasons)) from None
        return password

    def _report(
        self, *, created: Counter[str], skipped: int, staff_created: bool
    ) -> None:
        by_status = ", ".join(
            f"{created[status]} {status}" for status in SEEDED_STATUSES
        )
        self.stdout.write(
            f"Synthetic applicants: {created.total()} created ({by_status}), "
            f"{skipped} skipped because they already exist."
        )
        staff_outcome = "created" if staff_created else "already present, unchanged"
        self.stdout.write(f"Demo staff account {STAFF_EMAIL}: {staff_outcome}.")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))


def _account_exists(address: str) -> bool:
    # The email column is encrypted with a random IV, so equality lookups go
    # through the blind index. Every configured blind-index key is tried,
    # because an account made before a key rotation keeps its old index until
    # the rotation rewrites it.
    candidates = blind_index.email_index_candidates(address)
    return User.objects.filter(email_index__in=candidates).exists()


def _applicant_exists(person: SyntheticPerson) -> bool:
    if Applicant.objects.filter(reference=person.reference).exists():
        return True
    return _account_exists(person.email)


def _staff_id(address: str) -> uuid.UUID:
    return uuid.uuid5(STAFF_ID_NAMESPACE, address)


def _seed_staff(*, password: str) -> bool:
    """Create the demo staff superuser unless it exists, and return whether it did."""
    if _account_exists(STAFF_EMAIL):
        return False
    User.objects.create_superuser(
        STAFF_EMAIL, password, id=_staff_id(STAFF_EMAIL), is_synthetic=True
    )
    return True


def _seed_role_accounts(*, password: str) -> int:
    """Create a staff account in each role's group; return how many were new.

    The groups are restored first, because ``manage.py flush`` deletes the
    groups that a migration made.
    """
    ensure_roles(apps)
    created = 0
    for address, role in ROLE_ACCOUNTS.items():
        if _account_exists(address):
            continue
        user = User.objects.create_user(
            address,
            password,
            id=_staff_id(address),
            is_staff=True,
            email_verified_at=timezone.now(),
            is_synthetic=True,
        )
        user.groups.add(Group.objects.get(name=role))
        created += 1
    return created


def _seed_applicant(person: SyntheticPerson, *, status: str) -> None:
    if status == Applicant.Status.ERASED:
        _seed_erased(person)
        return
    # Synthetic applicants get an unusable password, so they cannot sign in.
    user = User.objects.create_user(
        person.email,
        None,
        id=person.user_id,
        email_verified_at=timezone.now(),
        is_synthetic=True,
    )
    applicant = Applicant.objects.create(
        reference=person.reference, user=user, is_synthetic=True
    )
    if status == Applicant.Status.DRAFT:
        return
    # The service encrypts the values and computes the phone and national ID
    # blind indexes, exactly as for an application sent through the wizard.
    submitted = services.applicant_submit(
        applicant=applicant, data=person.wizard_data()
    )
    if status != Applicant.Status.SUBMITTED:
        # TODO: call the verification service once it exists. Until then the
        # outcome is set here, so no audit entry records it. The retention
        # rules count from the decision time set here, as for a real one.
        now = timezone.now()
        decided_at = (
            {"verified_at": now}
            if status == Applicant.Status.VERIFIED
            else {"closed_at": now}
        )
        Applicant.objects.filter(pk=submitted.pk).update(
            status=status, verification_outcome=status, **decided_at
        )


def _seed_erased(person: SyntheticPerson) -> None:
    # What the closed_applications retention rule leaves of a rejected
    # application: the reference, the dates and the outcome.
    now = timezone.now()
    Applicant.objects.create(
        reference=person.reference,
        status=Applicant.Status.ERASED,
        verification_outcome=Applicant.Outcome.REJECTED,
        submitted_at=now,
        closed_at=now,
        erased_at=now,
        is_synthetic=True,
    )
