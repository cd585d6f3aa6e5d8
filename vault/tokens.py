"""Opaque references that stand for a person in URLs, logs and payloads.

A reference is random, so it reveals neither the person nor how many
records exist, unlike a sequential primary key.
"""

import hashlib
import hmac
import re
import secrets

from vault.keys import token_key

# Crockford's base32 alphabet has no I, L, O or U, so a reference read out
# over the phone is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 3
GROUP_LENGTH = 4


def new_public_reference(prefix: str) -> str:
    """Return a fresh reference such as ``APL-7K2M-QX9D-4HNC`` (60 random bits)."""
    groups = (
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH))
        for _ in range(GROUPS)
    )
    return "-".join([prefix, *groups])


def new_secret_token() -> str:
    """Return an unguessable URL-safe token carrying 256 random bits."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Return the keyed hash under which a secret token is stored.

    Only the digest is saved, so a copy of the database cannot be used to
    rebuild a working link.
    """
    return hmac.new(token_key(), token.encode(), hashlib.sha256).hexdigest()


OUTBOUND_TOKEN_PREFIX = "tok_"  # noqa: S105 - a label, not a secret
_OUTBOUND_TOKEN = re.compile(r"tok_[0-9a-f]{64}")


def outbound_token(value: str, *, key: bytes, field: str) -> str:
    """Return the token that stands for ``value`` in a payload to an outside service.

    The token is HMAC-SHA256 over the field name and the value, under
    ``key``, a key shared with that one recipient. Equal values give equal
    tokens for that recipient and field only, so two recipients cannot join
    their records on a token. The caller normalizes ``value`` first.
    """
    message = f"{field}\x00{value}".encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return f"{OUTBOUND_TOKEN_PREFIX}{digest}"


def is_outbound_token(value: object) -> bool:
    """Return whether ``value`` has the shape of an ``outbound_token``."""
    return isinstance(value, str) and _OUTBOUND_TOKEN.fullmatch(value) is not None
