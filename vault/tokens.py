"""Opaque references that stand for a person in URLs, logs and payloads.

A reference is random, so it reveals neither the person nor how many
records exist, unlike a sequential primary key.
"""

import hashlib
import hmac
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
