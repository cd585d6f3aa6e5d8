"""Create decoy applicants that raise a high-severity alert when opened."""

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from detection.models import Honeytoken
from onboarding import services
from onboarding.models import Applicant, User
from onboarding.synthetic import synthetic_people
from vault import blind_index

DEFAULT_COUNT = 3
MAXIMUM_COUNT = 50
COUNT_OUT_OF_RANGE = f"--count must be between 1 and {MAXIMUM_COUNT}."


class Command(BaseCommand):
    help = (
        "Create decoy applicants: submitted applications with synthetic data "
        "that look like any other in the staff portal. Every view or reveal of "
        "one records a high-severity security event and sends an alert."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--count",
            type=int,
            default=DEFAULT_COUNT,
            help=(
                f"Number of decoys to add, 1 to {MAXIMUM_COUNT} "
                f"(default {DEFAULT_COUNT})."
            ),
        )

    def handle(self, *args: Any, count: int, **options: Any) -> None:
        if not 1 <= count <= MAXIMUM_COUNT:
            raise CommandError(COUNT_OUT_OF_RANGE)
        # A random seed, unlike seed_demo's published one, so nobody can
        # compute the decoys' names from the source code.
        people = synthetic_people(count, seed=secrets.randbits(32))
        created = 0
        with transaction.atomic():
            for person in people:
                if User.objects.filter(
                    email_index__in=blind_index.email_index_candidates(person.email)
                ).exists():
                    continue
                # Like a real applicant, and unlike seed_demo's rows, a decoy
                # is not marked synthetic, so no column sets it apart.
                user = User.objects.create_user(
                    person.email, None, email_verified_at=timezone.now()
                )
                applicant = Applicant.objects.create(user=user)
                # TODO: submitting sends applicant_submitted, so a configured
                # identity provider also receives the decoy, and its outcome
                # changes the decoy's status and retention like a real one.
                services.applicant_submit(
                    applicant=applicant, data=person.wizard_data()
                )
                Honeytoken.objects.create(applicant_reference=applicant.reference)
                created += 1
        # The references are not printed, so the decoys stay out of shell
        # histories and CI logs.
        self.stdout.write(self.style.SUCCESS(f"Decoy applicants created: {created}."))
