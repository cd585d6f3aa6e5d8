from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vault.data_map import render_data_map
from vault.inventory import inventory


class Command(BaseCommand):
    help = "Write docs/data-map.md from the PII inventory, or check it is current."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=settings.BASE_DIR / "docs" / "data-map.md",
            help="File to write (default: docs/data-map.md).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail when the file differs from the inventory.",
        )

    def handle(self, *args: Any, output: Path, check: bool, **options: Any) -> None:
        rendered = render_data_map(inventory)
        if check:
            current = output.read_text() if output.exists() else ""
            if current != rendered:
                msg = f"{output} is stale; run: python manage.py data_map"
                raise CommandError(msg)
            self.stdout.write(f"{output} is current.")
            return
        output.write_text(rendered)
        self.stdout.write(f"Wrote {output}.")
