"""Find personal data in text by its shape, naming the kind but never the value.

The detector recognizes e-mail addresses and phone numbers written with a
country code. It recognizes the national ID numbers of the schemes the
project accepts (Finnish HETU, Dutch BSN, US SSN), and dates of birth next
to a word such as "born" or "dob". It also recognizes payment card numbers
that pass the Luhn check, and IPv4 and IPv6 addresses other than loopback
ones. Check digits come from python-stdnum and phone lengths from
phonenumbers, so random numbers rarely match.

It is a safety net for places where no personal data is expected (task
arguments, log lines, scans), not a classifier. It misses what has no
recognizable shape, such as names and street addresses. A US SSN is
recognized only with its separators (AAA-GG-SSSS), because without them any
nine-digit number could be one. Nine digits without separators count as a
national ID only when they pass the BSN check, as one in eleven random
nine-digit numbers do.
"""

import datetime
import enum
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import phonenumbers
from stdnum import luhn
from stdnum.fi import hetu
from stdnum.nl import bsn
from stdnum.us import ssn


class Kind(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NATIONAL_ID = "national ID"
    DATE_OF_BIRTH = "date of birth"
    CARD_NUMBER = "card number"
    IP_ADDRESS = "IP address"


@dataclass(frozen=True)
class Match:
    """The kind and the position of one value found in a text."""

    kind: Kind
    start: int
    end: int


# A candidate must not be part of a longer word or number, so a run of digits
# inside a hex digest or a UUID does not count.
_BEFORE = r"(?<![0-9A-Za-z])"
_AFTER = r"(?![0-9A-Za-z])"

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# A plus sign, then digits with single spaces, dots, dashes or brackets
# between them. A time-zone offset such as +01:00 has too few digits.
_PHONE = re.compile(r"(?<![\w+])\+\d(?:[ .()-]{0,2}\d){6,16}" + _AFTER)
_HETU = re.compile(
    _BEFORE + r"[0-3]\d[01]\d\d\d[-+A-FU-Y]\d{3}[0-9A-Y]" + _AFTER, re.IGNORECASE
)
_SSN = re.compile(_BEFORE + r"\d{3}([- ])\d{2}\1\d{4}" + _AFTER)
_BSN = re.compile(_BEFORE + r"\d{4}([. ]?)\d{2}\1\d{3}" + _AFTER)
# Thirteen to nineteen digits, either unbroken or grouped the way cards are
# printed: 4-4-4-4 (up to 4-4-4-7) or the 4-6-5 of American Express.
_CARD = re.compile(
    r"(?<![\w-])(?:\d{13,19}"
    r"|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}"
    r"|\d{4}([ -])\d{6}\2\d{4,5})(?![\w-])"
)
_DATE = re.compile(
    _BEFORE
    + r"(?:(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    + r"|(?P<day2>\d{1,2})[./](?P<month2>\d{1,2})[./](?P<year2>\d{4}))"
    + _AFTER
)
# Words that make a nearby date a date of birth. "birth" counts inside any
# word (birthday, date_of_birth). "born" and "dob" count as words of their
# own, where an underscore or a capital letter starts a word, so user_dob and
# userDob match but stubborn does not.
_BIRTH_CONTEXT = re.compile(
    r"(?i:birth)|(?:(?<![A-Za-z])(?i:born|dob)|(?<=[a-z])(?:Born|Dob|DOB))(?![a-z])"
)
_BIRTH_CONTEXT_WINDOW = 30
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_NETWORK_SUFFIX = re.compile(r"/\d{1,3}(?!\d)")
_IPV6_GROUP = re.compile(r"[0-9A-Fa-f.]+")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?![\w:.])")

# Card numbers start with the industry digits 2 to 6 (Mastercard, Visa,
# American Express, Discover and the like).
_CARD_FIRST_DIGITS = "23456"


def find_pii(text: str) -> list[Match]:
    """Return every recognized personal value in ``text``, in order."""
    matches = [
        Match(kind, start, end)
        for kind, finder in _FINDERS
        for start, end in finder(text)
    ]
    return sorted(matches, key=lambda match: (match.start, match.end))


def pii_kinds(value: Any) -> set[Kind]:
    """Return the kinds of personal value found anywhere inside ``value``.

    Strings are searched, and lists, tuples, sets and dictionaries are
    walked, keys included. In a dictionary, a string value is also searched
    together with its key, so ``{"dob": "1990-01-31"}`` is a date of birth.
    Numbers are searched as their decimal text. Other objects are searched as
    their ``str()``.
    """
    kinds: set[Kind] = set()
    for text in _texts(value):
        kinds.update(match.kind for match in find_pii(text))
    return kinds


def contains_pii(value: Any) -> bool:
    """Return whether anything inside ``value`` looks like personal data."""
    return any(find_pii(text) for text in _texts(value))


def _texts(value: Any) -> Iterator[str]:
    # An explicit stack instead of recursion, and a set of visited containers,
    # so deep or self-referencing structures neither overflow nor loop.
    stack = [value]
    visited: set[int] = set()
    while stack:
        item = stack.pop()
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, str):
            yield item
        elif isinstance(item, bytes | bytearray):
            yield bytes(item).decode("utf-8", errors="replace")
        elif isinstance(item, int | float):
            yield str(item)
        elif isinstance(item, dict | list | tuple | set | frozenset):
            if id(item) in visited:
                continue
            visited.add(id(item))
            if isinstance(item, dict):
                for key, entry in item.items():
                    stack.extend((key, entry))
                    if isinstance(key, str) and isinstance(entry, str):
                        yield f"{key}: {entry}"
            else:
                stack.extend(item)
        else:
            yield str(item)


Span = tuple[int, int]


def _emails(text: str) -> Iterator[Span]:
    for found in _EMAIL.finditer(text):
        yield found.span()


def _phones(text: str) -> Iterator[Span]:
    for found in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", found.group())
        try:
            number = phonenumbers.parse(f"+{digits}", None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            yield found.span()


def _national_ids(text: str) -> Iterator[Span]:
    for found in _HETU.finditer(text):
        if hetu.is_valid(found.group(), allow_temporary=True):
            yield found.span()
    for found in _SSN.finditer(text):
        if _looks_like_ssn(found.group()):
            yield found.span()
    for found in _BSN.finditer(text):
        if bsn.is_valid(found.group().replace(".", "").replace(" ", "")):
            yield found.span()


def _looks_like_ssn(number: str) -> bool:
    # Looser than stdnum's ssn.is_valid, which rejects the areas 900-999.
    # Those hold ITINs, which are personal tax numbers, and the range
    # 987-65-4320 to 4329 that the SSA reserves for advertisements, which the
    # tests plant. Only the all-zero groups, which neither kind uses, fail.
    digits = ssn.compact(number)
    return digits[:3] != "000" and digits[3:5] != "00" and digits[5:] != "0000"


def _card_numbers(text: str) -> Iterator[Span]:
    for found in _CARD.finditer(text):
        digits = re.sub(r"\D", "", found.group())
        if digits[0] in _CARD_FIRST_DIGITS and luhn.is_valid(digits):
            yield found.span()


def _dates_of_birth(text: str) -> Iterator[Span]:
    for found in _DATE.finditer(text):
        if not _is_calendar_date(found):
            continue
        start, end = found.span()
        window = text[
            max(0, start - _BIRTH_CONTEXT_WINDOW) : end + _BIRTH_CONTEXT_WINDOW
        ]
        if _BIRTH_CONTEXT.search(window):
            yield start, end


def _is_calendar_date(found: re.Match[str]) -> bool:
    parts = found.groupdict()
    year = parts["year"] or parts["year2"]
    month = parts["month"] or parts["month2"]
    day = parts["day"] or parts["day2"]
    try:
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _ip_addresses(text: str) -> Iterator[Span]:
    for pattern in (_IPV4, _IPV6):
        for found in pattern.finditer(text):
            candidate = found.group()
            # "::", "::1" and "a::b" are valid IPv6, but in text they are
            # punctuation, slices or loopback. A client's address has more
            # groups.
            if ":" in candidate and len(_IPV6_GROUP.findall(candidate)) < 3:
                continue
            try:
                address = ipaddress.ip_address(candidate)
            except ValueError:
                continue
            # A loopback or unspecified address names this machine, not a
            # client, and servers print it when they start.
            if address.is_loopback or address.is_unspecified:
                continue
            # A network written with its prefix length, such as
            # 203.0.113.0/24, is the truncated form that the audit log and
            # security events keep instead of a client's address.
            if _is_network(text, found):
                continue
            yield found.span()


def _is_network(text: str, found: re.Match[str]) -> bool:
    suffix = _NETWORK_SUFFIX.match(text, found.end())
    if suffix is None:
        return False
    try:
        ipaddress.ip_network(found.group() + suffix.group(), strict=True)
    except ValueError:
        return False
    return True


_FINDERS: tuple[tuple[Kind, Callable[[str], Iterator[Span]]], ...] = (
    (Kind.EMAIL, _emails),
    (Kind.PHONE, _phones),
    (Kind.NATIONAL_ID, _national_ids),
    (Kind.CARD_NUMBER, _card_numbers),
    (Kind.DATE_OF_BIRTH, _dates_of_birth),
    (Kind.IP_ADDRESS, _ip_addresses),
)
