"""The PII detector: what it recognizes, what it leaves alone, and where.

Every positive is made up, and comes from a reserved or documentation range
where one exists. E-mail addresses are at example.com and example.org, and
phone numbers in the fictional London range. National IDs are Finnish
temporary identity codes (individual numbers 900-999), the BSN 000000012,
which passes the eleven-test but is plainly made up, and the SSN range
987-65-4320 to 4329, reserved for advertisements. Card numbers
are issuers' published test numbers, and IP addresses come from the IPv4
and IPv6 documentation networks.
"""

import uuid

import pytest

from vault.detector import Kind, Match, contains_pii, find_pii, pii_kinds

POSITIVES = [
    ("canary.1a2b@example.com", Kind.EMAIL),
    ("write to first.last+tag@mail.example.org today", Kind.EMAIL),
    ("+44 20 7946 0123", Kind.PHONE),
    ("+442079460123", Kind.PHONE),
    ("call +44 (20) 7946-0999 after five", Kind.PHONE),
    ("010190-900P", Kind.NATIONAL_ID),
    ("id 010190A950A.", Kind.NATIONAL_ID),
    ("000000012", Kind.NATIONAL_ID),
    ("0000.00.012", Kind.NATIONAL_ID),
    ("987-65-4320", Kind.NATIONAL_ID),
    ("born 1985-03-12", Kind.DATE_OF_BIRTH),
    ("Date of birth: 12.03.1985", Kind.DATE_OF_BIRTH),
    ("dob=12/03/1985", Kind.DATE_OF_BIRTH),
    ("userDob 1985-03-12", Kind.DATE_OF_BIRTH),
    ("4111 1111 1111 1111", Kind.CARD_NUMBER),
    ("5555555555554444", Kind.CARD_NUMBER),
    ("3782-822463-10005", Kind.CARD_NUMBER),
    ("client 192.0.2.10 connected", Kind.IP_ADDRESS),
    ("2001:db8::8a2e:370:7334", Kind.IP_ADDRESS),
    ("[2001:db8::1]", Kind.IP_ADDRESS),
]

NEGATIVES = [
    "abandoned_drafts",
    "onboarding.tasks.retention_run",
    "APL-7K2M-QX9D-4HNC",
    "6f1c2a3e-9b4d-4c8e-a1f2-3b4c5d6e7f80",
    "12345678-9012-3456-7890-123456789012",
    "2026-12-04T10:00:00+01:00",
    "2026-12-04",
    "12.03.1985",
    "stubborn since 1985-03-12",
    "3f1a9c0d:" + "5e4b1234567890ab" * 4,
    "gAAAAABnX2c0ZGVtb190b2tlbl9ub3RfYV9yZWFsX29uZQ==",
    "10:00:00",
    "std::vector and a :: b",
    "replies[::2] and the loopback ::1",
    "Starting development server at http://127.0.0.1:8000/ and 0.0.0.0:8000",
    "network 198.51.100.0/24 and 2001:db8:1::/48",
    "version 5.7.0",
    "+01:00",
    "000000013",
    "4111 1111 1111 1112",
    "1733300000000",
    "999.1.1.1",
    "user@localhost",
    "",
]


@pytest.mark.parametrize(("text", "kind"), POSITIVES)
def test_find_pii_recognizes(text, kind):
    assert kind in {match.kind for match in find_pii(text)}


@pytest.mark.parametrize("text", NEGATIVES)
def test_find_pii_ignores(text):
    assert find_pii(text) == []


def test_find_pii_gives_positions():
    text = "mail a@example.com or call +44 20 7946 0123"

    matches = find_pii(text)

    assert matches == [
        Match(Kind.EMAIL, 5, 18),
        Match(Kind.PHONE, 27, 43),
    ]
    assert text[5:18] == "a@example.com"


def test_match_names_no_value():
    match = find_pii("canary.1a2b@example.com")[0]

    assert "canary" not in repr(match)


@pytest.mark.parametrize(
    ("value", "kinds"),
    [
        (["abandoned_drafts", 42, None, True], set()),
        ({"rule": "abandoned_drafts", "ids": [1, 2, 3]}, set()),
        (["x", ["y", {"to": "a@example.org"}]], {Kind.EMAIL}),
        ({"date_of_birth": "1985-03-12"}, {Kind.DATE_OF_BIRTH}),
        ({"a@example.com": 1}, {Kind.EMAIL}),
        (("+442079460123",), {Kind.PHONE}),
        (b"010190-900P", {Kind.NATIONAL_ID}),
        (12, set()),
        (int("987654320"), set()),
        (uuid.UUID("6f1c2a3e-9b4d-4c8e-a1f2-3b4c5d6e7f80"), set()),
    ],
)
def test_pii_kinds_walks_nested_values(value, kinds):
    assert pii_kinds(value) == kinds
    assert contains_pii(value) is bool(kinds)


def test_contains_pii_survives_cycles():
    looped: list = ["abandoned_drafts"]
    looped.append(looped)

    assert not contains_pii(looped)
    looped.append({"email": "a@example.com"})
    assert contains_pii(looped)


def test_contains_pii_deep_nesting():
    nested: list = ["a@example.com"]
    for _ in range(10_000):
        nested = [nested]

    assert contains_pii(nested)
