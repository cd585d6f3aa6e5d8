import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.verification import DEFAULT_BATCH_SIZE, verify_all

security_logger = logging.getLogger("audit.security")


class Command(BaseCommand):
    help = (
        "Walk the hash chains of the access log and the change history, and "
        "report the first broken link of each, by table and row id. Exits "
        "with status 1 when a chain is broken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows read per query (default: {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            msg = "--batch-size must be a positive number of rows."
            raise CommandError(msg)
        reports = verify_all(batch_size=batch_size)
        for report in reports:
            if report.intact:
                self.stdout.write(report.describe())
        broken = [report for report in reports if not report.intact]
        for report in broken:
            security_logger.error(
                "Audit chain %s broken at row %s: %s",
                report.table,
                report.broken_id,
                report.problem,
            )
        if broken:
            msg = " ".join(report.describe() for report in broken) + (
                " Treat the rows from there on as untrusted and follow docs/audit.md."
            )
            raise CommandError(msg)
