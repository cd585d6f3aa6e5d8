import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.retention import RetentionError, audit_trail_purge


class Command(BaseCommand):
    help = (
        "Delete the audit entries older than --before from both chains, after "
        "verifying them, and leave a signed checkpoint from which "
        "verify_audit_trail continues. See docs/audit.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--before",
            required=True,
            type=datetime.date.fromisoformat,
            help="Delete entries older than this date, YYYY-MM-DD, midnight UTC.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be deleted and change nothing.",
        )

    def handle(
        self, *args: Any, before: datetime.date, dry_run: bool, **options: Any
    ) -> None:
        cut_off = datetime.datetime.combine(before, datetime.time(), datetime.UTC)
        try:
            reports = audit_trail_purge(before=cut_off, dry_run=dry_run)
        except RetentionError as error:
            raise CommandError(str(error)) from error
        verb = "would delete" if dry_run else "deleted"
        for report in reports:
            if report.last_id is None:
                self.stdout.write(f"{report.table}: nothing older than {before}.")
                continue
            line = (
                f"{report.table}: {verb} {report.purged_rows} rows up to id "
                f"{report.last_id}"
            )
            if report.checkpoint_id is not None:
                line += f", checkpoint {report.checkpoint_id}"
            self.stdout.write(line + ".")
