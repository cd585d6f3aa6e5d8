from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from vault import rotation
from vault.exceptions import DecryptionError


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column with the first key in "
        "VAULT_ENCRYPTION_KEYS, or with --blind-indexes rewrite every blind "
        "index under VAULT_BLIND_INDEX_KEY. Safe to interrupt and run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Rows per transaction (default: 2000).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would change and write nothing.",
        )
        parser.add_argument(
            "--blind-indexes",
            action="store_true",
            help="Rewrite blind indexes instead of re-encrypting values.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Hide the progress bars."
        )

    def handle(
        self,
        *args: Any,
        batch_size: int,
        dry_run: bool,
        blind_indexes: bool,
        no_progress: bool,
        **options: Any,
    ) -> None:
        if batch_size < 1:
            msg = "--batch-size must be a positive number of rows."
            raise CommandError(msg)
        if blind_indexes:
            models, rotate = (
                rotation.models_with_blind_indexes(),
                rotation.rewrite_blind_indexes,
            )
        else:
            models, rotate = (
                rotation.models_with_encrypted_fields(),
                rotation.rotate_encryption,
            )

        for model in models:
            total = model._default_manager.count()
            with tqdm(
                total=total,
                desc=model._meta.label,
                unit="row",
                disable=no_progress,
                file=self.stderr,
            ) as bar:
                try:
                    reports = rotate(
                        model,
                        batch_size=batch_size,
                        dry_run=dry_run,
                        progress=bar.update,
                    )
                except DecryptionError as error:
                    raise CommandError(str(error)) from error
            for report in reports:
                verb = "would rewrite" if dry_run else "rewrote"
                self.stdout.write(
                    f"{report.model}.{report.field}: {verb} {report.rewritten}, "
                    f"{report.already_current} already current"
                )
