"""Search the database for values inside ciphertext too.

tests.database_scan finds plaintext only, and encrypted columns never hold
plaintext, so it cannot show that erasure or minimization removed a value.
This scan decrypts every Fernet token it finds in a text column with the
vault's keys and searches the plaintext as well.
"""

from cryptography.fernet import InvalidToken
from django.db import connection

from tests.database_scan import Finding, searched_columns
from vault.keys import crypter

# Every Fernet token starts with version byte 0x80, which base64 encodes as
# "gAAAAA".
FERNET_PREFIX = "gAAAAA"
TEXT_TYPES = ("text", "character varying")


def find_values_decrypted(values: dict[str, str]) -> list[Finding]:
    """Return where each value occurs inside any decryptable token."""
    findings = []
    with connection.cursor() as cursor:
        for table, column, data_type in searched_columns():
            if data_type not in TEXT_TYPES:
                continue
            cursor.execute(
                f'SELECT "{column}" FROM "{table}" '  # noqa: S608 - names from information_schema
                f'WHERE "{column}" LIKE %s',
                [f"{FERNET_PREFIX}%"],
            )
            plaintexts = [_decrypted(token).lower() for (token,) in cursor.fetchall()]
            findings.extend(
                Finding(table, f"{column}, decrypted", name)
                for name, value in values.items()
                if any(value.lower() in plaintext for plaintext in plaintexts)
            )
    return findings


def _decrypted(token: str) -> str:
    try:
        return crypter().decrypt(token.encode()).decode()
    except (InvalidToken, UnicodeError):
        return ""
