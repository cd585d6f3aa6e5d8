"""Show what each retention rule would remove or reduce if it ran now."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from onboarding.retention.rules import RULES


class Command(BaseCommand):
    help = (
        "Count, for each retention rule, the records it would change if it ran "
        "now, and those past their limit but paused by a legal hold. Changes "
        "nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        self.stdout.write(f"Retention report at {now:%Y-%m-%d %H:%M:%S} UTC")
        self.stdout.write(f"{'rule':<24} {'limit':>9} {'due now':>9} {'on hold':>9}")
        for rule in RULES.values():
            limit = rule.limit()
            limit_text = "expiry" if limit is None else f"{limit.days} days"
            on_hold = rule.held(now)
            held_text = "-" if on_hold is None else str(on_hold.count())
            due = rule.candidates(now).count()
            self.stdout.write(
                f"{rule.name:<24} {limit_text:>9} {due:>9} {held_text:>9}"
            )
        self.stdout.write("")
        for rule in RULES.values():
            self.stdout.write(f"{rule.name}: {rule.summary}")
