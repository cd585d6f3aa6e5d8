"""Find realistic personal data in the repository's own files.

Test data, fixtures, docs and seed data must use reserved values only. This
scan runs vault.detector over every file that git tracks or would track,
and reports each recognized value that falls outside the reserved ranges:

- e-mail addresses outside example.com, example.org and example.net (RFC
  2606), the .example, .test, .invalid and .localhost top-level domains,
  and localhost;
- phone numbers outside Ofcom's drama ranges (+44 20 7946 0000-0999,
  +44 7700 900000-900999 and +44 1632 960000-960999) and the North
  American 555-0100 to 555-0199;
- Finnish identity codes outside the temporary individual numbers 900-999,
  US Social Security numbers outside the never-issued areas 000, 666 and
  900-999, and every Dutch BSN, because no BSN range is reserved;
- card numbers that pass the Luhn check, except the published test cards;
- IP addresses that are globally routable, so not private, loopback or in
  the documentation ranges of RFC 5737 and RFC 3849.

A finding names the file, the line, the kind and a short SHA-256 digest of
the value, never the value itself. An allow-list file names documented
exceptions by that digest.
"""

import hashlib
import ipaddress
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from stdnum.fi import hetu

from vault.detector import Kind, find_pii

RESERVED_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "localhost")
RESERVED_EMAIL_SUFFIXES = (".example", ".test", ".invalid", ".localhost")
# Fictional phone ranges as (E.164 digits before the last three or four,
# length of a whole number). A shorter run of those digits also counts, so
# code that builds numbers from the prefix is not reported.
FICTIONAL_PHONE_RANGES = (
    ("442079460", 12),
    ("447700900", 12),
    ("441632960", 12),
)
NORTH_AMERICAN_FICTIONAL = re.compile(r"1\d{3}55501\d{2}")
NEVER_ISSUED_SSN_AREAS = re.compile(r"000|666|9\d\d")
# Card numbers that payment providers publish for testing.
TEST_CARD_NUMBERS = frozenset(
    {
        "4242424242424242",
        "4111111111111111",
        "4000056655665556",
        "5555555555554444",
        "2223003122003222",
        "5105105105105100",
        "378282246310005",
        "371449635398431",
        "6011111111111117",
        "3056930009020004",
    }
)
# Dates of birth need context that the detector guesses from nearby words,
# and seeded birth dates are made up, so they are not checked here.
CHECKED_KINDS = frozenset(Kind) - {Kind.DATE_OF_BIRTH}
DIGEST_LENGTH = 12
BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: Kind
    digest: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} {self.digest}"


@dataclass(frozen=True)
class Allowance:
    path: str
    kind: str
    digest: str
    reason: str


def value_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:DIGEST_LENGTH]


def repository_files(root: Path) -> list[Path]:
    """Return the files git tracks, or would track, below ``root``."""
    listing = subprocess.run(  # noqa: S603 - fixed arguments
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [root / name for name in sorted(set(listing.split("\0"))) if name]


def scan_files(paths: Iterable[Path], root: Path) -> Iterator[Finding]:
    """Yield each realistic personal value in the text files ``paths``."""
    for path in paths:
        if not path.is_file() or path.is_symlink() or _is_binary(path):
            continue
        relative = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            yield from _line_findings(relative, number, line)


def _line_findings(path: str, number: int, line: str) -> Iterator[Finding]:
    for match in find_pii(line):
        if match.kind not in CHECKED_KINDS:
            continue
        value = line[match.start : match.end]
        if not is_reserved(match.kind, value):
            yield Finding(path, number, match.kind, value_digest(value))


def is_reserved(kind: Kind, value: str) -> bool:
    """Return whether ``value``, recognized as ``kind``, is from a reserved range."""
    if kind == Kind.EMAIL:
        domain = value.rpartition("@")[2].lower()
        return domain.endswith(RESERVED_EMAIL_SUFFIXES) or any(
            domain == reserved or domain.endswith(f".{reserved}")
            for reserved in RESERVED_EMAIL_DOMAINS
        )
    if kind == Kind.PHONE:
        return _phone_reserved(re.sub(r"\D", "", value))
    if kind == Kind.NATIONAL_ID:
        return _national_id_reserved(value)
    if kind == Kind.CARD_NUMBER:
        return re.sub(r"\D", "", value) in TEST_CARD_NUMBERS
    if kind == Kind.IP_ADDRESS:
        return not ipaddress.ip_address(value).is_global
    return False


def _phone_reserved(digits: str) -> bool:
    if NORTH_AMERICAN_FICTIONAL.fullmatch(digits):
        return True
    return any(
        len(digits) <= length
        and (digits.startswith(prefix) or prefix.startswith(digits))
        for prefix, length in FICTIONAL_PHONE_RANGES
    )


def _national_id_reserved(value: str) -> bool:
    if hetu.is_valid(value, allow_temporary=True):
        return not hetu.is_valid(value)
    ssn_area = re.fullmatch(r"(\d{3})([- ])\d{2}\2\d{4}", value)
    if ssn_area:
        return bool(NEVER_ISSUED_SSN_AREAS.fullmatch(ssn_area.group(1)))
    return False


def read_allow_list(path: Path) -> list[Allowance]:
    """Read ``path | kind | digest | reason`` lines; # starts a comment."""
    allowances = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        file_path, kind, digest, reason = (part.strip() for part in line.split("|", 3))
        allowances.append(Allowance(file_path, kind, digest, reason))
    return allowances


def unexplained(
    findings: Iterable[Finding], allowances: Iterable[Allowance]
) -> list[Finding]:
    """Return the findings that no allowance names."""
    allowed = {(item.path, item.kind, item.digest) for item in allowances}
    return [
        finding
        for finding in findings
        if (finding.path, str(finding.kind), finding.digest) not in allowed
    ]


def _is_binary(path: Path) -> bool:
    with path.open("rb") as file:
        return b"\0" in file.read(BINARY_SNIFF_BYTES)
