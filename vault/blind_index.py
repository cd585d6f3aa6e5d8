"""Keyed blind indexes: searchable, non-reversible fingerprints of values.

An index is HMAC-SHA256 over a normalized value, under a key kept apart
from the encryption keys. Equal values give equal indexes, so an index
column supports exact lookup and unique constraints while the value itself
stays encrypted. Each kind of value has its own domain label, so an email
address and a phone number that happen to normalize to the same text still
get different indexes.
"""

import hashlib
import hmac

import phonenumbers

from vault.keys import blind_index_key

INDEX_LENGTH = 64


def normalize_email(address: str) -> str:
    """Return the address trimmed and lower-cased."""
    return address.strip().lower()


def normalize_phone(number: str) -> str:
    """Return ``number`` in E.164 form; it must carry a country code."""
    parsed = phonenumbers.parse(number, None)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_national_id(number: str) -> str:
    """Return ``number`` upper-cased without spaces, dots and dashes."""
    return "".join(ch for ch in number.upper() if ch.isalnum())


def blind_index(normalized_value: str, *, domain: str) -> str:
    """Return the hex HMAC-SHA256 of an already normalized value."""
    message = f"{domain}\x00{normalized_value}".encode()
    return hmac.new(blind_index_key(), message, hashlib.sha256).hexdigest()


def email_index(address: str) -> str:
    """Return the blind index of an email address."""
    return blind_index(normalize_email(address), domain="email")


def phone_index(number: str) -> str:
    """Return the blind index of a phone number given with its country code."""
    return blind_index(normalize_phone(number), domain="phone")


def national_id_index(country: str, number: str) -> str:
    """Return the blind index of a national ID number issued by ``country``."""
    normalized = f"{country.upper()}:{normalize_national_id(number)}"
    return blind_index(normalized, domain="national_id")
