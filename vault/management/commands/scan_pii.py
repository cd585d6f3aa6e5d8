"""Search the database, log files or directories for personal data.

Each finding is printed as its place and kind, never the value. The exit
status is 0 when nothing is found and 1 when something is, so CI can fail
on it. A missing path exits with 2.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vault.pii_scan import (
    Finding,
    database_findings,
    directory_findings,
    file_findings,
)

MISSING_PATH_STATUS = 2


class Command(BaseCommand):
    help = (
        "Search for personal data and print where each kind was found, never "
        "the value. Without options the database is searched. Exits with 1 "
        "when something is found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            action="store_true",
            help="search every text, JSON and bytea column of every table "
            "(the default when no file or directory is given)",
        )
        parser.add_argument(
            "--file",
            action="append",
            default=[],
            type=Path,
            help="search this text file, such as a log file; may be repeated",
        )
        parser.add_argument(
            "--directory",
            action="append",
            default=[],
            type=Path,
            help="search every text file below this directory; may be repeated",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[Path] = options["file"]
        directories: list[Path] = options["directory"]
        for path in [*files, *directories]:
            if not path.exists():
                msg = f"{path} does not exist; give an existing file or directory."
                raise CommandError(msg, returncode=MISSING_PATH_STATUS)
        search_database = options["database"] or not (files or directories)

        count = 0
        for finding in self._findings(search_database, files, directories):
            self.stdout.write(str(finding))
            count += 1
        if count:
            msg = f"{count} possible personal values found; see the lines above."
            raise CommandError(msg, returncode=1)
        self.stdout.write(self.style.SUCCESS("No personal data found."))

    def _findings(
        self, search_database: bool, files: list[Path], directories: list[Path]
    ) -> Iterator[Finding]:
        if search_database:
            yield from database_findings()
        for path in files:
            yield from file_findings(path)
        for directory in directories:
            yield from directory_findings(directory)
