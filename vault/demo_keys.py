"""Published demo keys, accepted only while DEBUG is on.

Anyone can read these values in the repository, so data encrypted with them
is not protected. They exist so that ``make run`` and ``docker compose up``
work without set-up. Settings fall back to them only when DEBUG is on, and
the vault refuses to start with any of them when DEBUG is off.
"""

# Each Fernet key is the URL-safe base64 of a readable 32-byte label, so a
# demo key is recognisable wherever it turns up.
DEMO_ENCRYPTION_KEY = "REVNTy1PTkxZLWZpZWxkLWVuY3J5cHRpb24ta2V5LTE="
DEMO_BLIND_INDEX_KEY = "DEMO-ONLY-blind-index-key-do-not-use-in-production"
DEMO_TOKEN_KEY = "DEMO-ONLY-token-key-do-not-use-in-production"  # noqa: S105
DEMO_SECRET_KEY = "DEMO-ONLY-django-secret-key-do-not-use-in-production"  # noqa: S105
DEMO_AUDIT_CHAIN_KEY = "DEMO-ONLY-audit-chain-key-do-not-use-in-production"

DEMO_KEYS = frozenset(
    {
        DEMO_ENCRYPTION_KEY,
        DEMO_BLIND_INDEX_KEY,
        DEMO_TOKEN_KEY,
        DEMO_SECRET_KEY,
        DEMO_AUDIT_CHAIN_KEY,
    }
)
