"""Turn a restored production copy into an anonymized staging copy."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.anonymization import (
    DEFAULT_BATCH_SIZE,
    AnonymizationRefusedError,
    database_anonymize,
)
from vault.exceptions import DecryptionError

CONFIRMATION = (
    "This replaces every personal value in the database with a fake, deletes "
    "sessions and staff second factors, and disables every password. "
    'Type "anonymize" to continue: '
)
NOT_CONFIRMED = "Anonymization cancelled; nothing was changed."
BATCH_SIZE_INVALID = "--batch-size must be a positive number of rows."


class Command(BaseCommand):
    help = (
        "Replace every personal value declared in the PII inventory with a "
        "consistent fake, encrypted under the first key of "
        "VAULT_ENCRYPTION_KEYS, recompute blind indexes, empty sessions, "
        "secrets and payload logs, relink the audit chains, and mark the "
        "database as an anonymized staging copy. Refused in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows read and written at a time (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(
        self, *args: Any, interactive: bool, batch_size: int, **options: Any
    ) -> None:
        if batch_size < 1:
            raise CommandError(BATCH_SIZE_INVALID)
        if interactive and input(CONFIRMATION).strip() != "anonymize":
            raise CommandError(NOT_CONFIRMED)
        try:
            report = database_anonymize(batch_size=batch_size)
        except AnonymizationRefusedError as error:
            raise CommandError(str(error)) from None
        except DecryptionError as error:
            # The message names the field and the row's primary key only.
            raise CommandError(str(error)) from error

        for label, rows in sorted(report.rewritten.items()):
            self.stdout.write(f"{label}: {rows} rows rewritten")
        for label, rows in report.emptied.items():
            self.stdout.write(f"{label}: {rows} rows deleted")
        for table, rows in report.audit.items():
            self.stdout.write(f"{table}: {rows} rows scrubbed and relinked")
        self.stdout.write(f"Passwords disabled: {report.passwords_disabled}")
        if report.repeated_fakes:
            self.stderr.write(
                self.style.WARNING(
                    f"{report.repeated_fakes} fakes repeat an earlier value, "
                    "because their field's range of fakes ran out."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Anonymized in run {report.run_id}. Remove every key but the "
                "first from VAULT_ENCRYPTION_KEYS, and the production keys "
                "from this environment."
            )
        )
