"""Masks that show staff enough to recognise a record and nothing more.

Each function keeps a fixed, small part of the value (an initial, a domain,
the last digits) and replaces the rest with a fixed-width run of asterisks,
so the mask does not reveal the length of the hidden part either.
"""

import datetime

HIDDEN = "***"


def mask_email(address: str) -> str:
    """Keep the first character of the local part and the domain."""
    local, separator, domain = address.strip().rpartition("@")
    if not separator or not local:
        return HIDDEN
    return f"{local[0]}{HIDDEN}@{domain}"


def mask_name(name: str) -> str:
    """Keep the initial of each word of a name."""
    return " ".join(f"{word[0]}{HIDDEN}" for word in name.split()) or HIDDEN


def mask_last_four(value: str) -> str:
    """Keep the last four letters or digits, as for a phone or ID number."""
    characters = [ch for ch in value if ch.isalnum()]
    if len(characters) <= 4:
        return f"{HIDDEN} {HIDDEN}"
    return f"{HIDDEN} {HIDDEN} {''.join(characters[-4:])}"


def mask_hidden(value: object) -> str:
    """Hide a value completely; staff see only that it is present."""
    if isinstance(value, datetime.date):
        return "****-**-**"
    return HIDDEN
