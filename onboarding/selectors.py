"""Reads of applicant data for the staff portal."""

import re

import phonenumbers
from django.db.models import QuerySet

from onboarding.models import Applicant
from vault import blind_index

REFERENCE_PATTERN = re.compile(r"^APL(-[0-9A-Z]{4}){3}$")


def search_kind(term: str) -> str:
    """Name what a staff search term is: email, phone, reference or unknown."""
    term = term.strip()
    if "@" in term:
        return "email"
    if REFERENCE_PATTERN.match(term.upper()):
        return "reference"
    if term.startswith("+"):
        try:
            phonenumbers.parse(term, None)
        except phonenumbers.NumberParseException:
            return "unknown"
        return "phone"
    return "unknown"


def applicants_matching(
    queryset: QuerySet[Applicant], term: str
) -> QuerySet[Applicant]:
    """Filter ``queryset`` by an exact email, phone number or reference.

    Email and phone match through their blind indexes, so the search never
    decrypts a value and never runs a substring match over personal data.
    A term of any other form matches nothing.
    """
    kind = search_kind(term)
    if kind == "email":
        indexes = blind_index.email_index_candidates(term)
        return queryset.filter(user__email_index__in=indexes)
    if kind == "phone":
        indexes = blind_index.phone_index_candidates(term)
        return queryset.filter(phone_index__in=indexes)
    if kind == "reference":
        return queryset.filter(reference=term.strip().upper())
    return queryset.none()
