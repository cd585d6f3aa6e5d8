"""Helpers that plant canary values and search captured output for them.

A finding names the canary field, never its value.
"""

import io
import json
from urllib.parse import quote, quote_plus

from django.utils.html import escape

from tests.canaries import Canary


def canary_fields_in(text: str | bytes, canary: Canary) -> list[str]:
    """Return the names of the canary fields whose value occurs in ``text``.

    Each value is also searched URL-encoded and HTML-escaped, the forms in
    which a query string, a request line or an HTML e-mail would carry it.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    lowered = text.lower()
    found = []
    for name, value in canary.values().items():
        forms = {value, quote(value), quote_plus(value), escape(value)}
        if any(form.lower() in lowered for form in forms):
            found.append(name)
    return found


def posted_canary(canary: Canary) -> dict[str, str]:
    """Return a form that posts every canary value."""
    return {
        "email": canary.email,
        "password": canary.password,
        "legal_name": canary.legal_name,
        "date_of_birth": canary.date_of_birth,
        "phone": canary.phone,
        "address_line1": canary.address_line1,
        "postal_code": canary.postal_code,
        "city": canary.city,
        "national_id": canary.national_id,
    }


def json_lines(stream: io.StringIO) -> list[dict]:
    """Parse each line a JSON-formatting handler wrote to ``stream``."""
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]
