"""Keyed blind indexes: searchable, non-reversible fingerprints of values.

An index is HMAC-SHA256 over a normalized value, under a key kept apart
from the encryption keys. Equal values give equal indexes, so an index
column supports exact lookup and unique constraints while the value itself
stays encrypted. Each kind of value has its own domain label, so an email
address and a phone number that happen to normalize to the same text still
get different indexes.

Each index starts with the version of the key that made it (a short keyed
fingerprint of that key), followed by a colon and the hex digest. While a
new key is rolled out, lookups try the current and the previous keys, and
``rotate_encryption_keys --blind-indexes`` rewrites old indexes.
"""

import hashlib
import hmac
import ipaddress

import phonenumbers

from vault.keys import blind_index_keys

VERSION_LENGTH = 8
INDEX_LENGTH = VERSION_LENGTH + 1 + 64


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


def key_version(key: bytes) -> str:
    """Return the public version label of a blind-index key."""
    digest = hmac.new(key, b"blind index key version", hashlib.sha256).hexdigest()
    return digest[:VERSION_LENGTH]


def current_version() -> str:
    """Return the version label of the key that makes new indexes."""
    return key_version(blind_index_keys()[0])


def blind_index(normalized_value: str, *, domain: str, key: bytes | None = None) -> str:
    """Return the versioned HMAC-SHA256 index of an already normalized value.

    ``key`` defaults to the current blind-index key.
    """
    key = key or blind_index_keys()[0]
    message = f"{domain}\x00{normalized_value}".encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return f"{key_version(key)}:{digest}"


def candidate_indexes(normalized_value: str, *, domain: str) -> list[str]:
    """Return the value's index under every configured key, current first."""
    return [
        blind_index(normalized_value, domain=domain, key=key)
        for key in blind_index_keys()
    ]


def email_index(address: str) -> str:
    """Return the blind index of an email address."""
    return blind_index(normalize_email(address), domain="email")


def email_index_candidates(address: str) -> list[str]:
    """Return the indexes an existing account's address may be stored under."""
    return candidate_indexes(normalize_email(address), domain="email")


def phone_index(number: str) -> str:
    """Return the blind index of a phone number given with its country code."""
    return blind_index(normalize_phone(number), domain="phone")


def phone_index_candidates(number: str) -> list[str]:
    """Return the indexes a stored phone number may be stored under."""
    return candidate_indexes(normalize_phone(number), domain="phone")


def national_id_index(country: str, number: str) -> str:
    """Return the blind index of a national ID number issued by ``country``."""
    normalized = f"{country.upper()}:{normalize_national_id(number)}"
    return blind_index(normalized, domain="national_id")


def ip_address_index(address: str) -> str:
    """Return the index of an IP address, in its compressed text form."""
    normalized = str(ipaddress.ip_address(address.strip()))
    return blind_index(normalized, domain="ip_address")
