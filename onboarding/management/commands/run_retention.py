"""Run one retention rule now, as Celery beat would, and print what it did."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.retention import runner
from onboarding.retention.rules import RULES


class Command(BaseCommand):
    help = (
        "Run one retention rule in this process, under the same lock and with "
        "the same access-log entry as the scheduled task. A rule that another "
        "run holds is skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rule", choices=sorted(RULES), help="The rule to run.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="Rows changed per transaction (default: RETENTION_BATCH_SIZE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size is not None and batch_size < 1:
            msg = "--batch-size must be 1 or more."
            raise CommandError(msg)
        report = runner.rule_run(rule_name=options["rule"], batch_size=batch_size)
        if report.outcome == runner.SKIPPED:
            self.stderr.write(
                self.style.WARNING(
                    f"{report.rule}: skipped, because another run of this rule "
                    "holds its lock. Nothing was changed."
                )
            )
            return
        counts = ", ".join(
            f"{count} {name}" for name, count in sorted(report.counts.items())
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.rule}: {report.outcome} in {report.batches} batches; "
                f"{counts or 'nothing to change'}."
            )
        )
