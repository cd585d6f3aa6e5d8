"""HMAC signatures on verification requests: the client signs, the stand-in checks.

The signature covers a timestamp and the exact body bytes, so a request
cannot be altered in transit or replayed after MAX_SIGNATURE_AGE seconds.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Signature"
# Seconds a signed request stays acceptable, which also bounds clock skew.
MAX_SIGNATURE_AGE = 300


def signature_header(body: bytes, *, api_key: str, now: float | None = None) -> str:
    """Return the X-Signature value, ``t=<unix time>,v1=<hex HMAC-SHA256>``."""
    timestamp = int(time.time() if now is None else now)
    return f"t={timestamp},v1={_digest(body, api_key=api_key, timestamp=timestamp)}"


def signature_valid(
    body: bytes, header: str, *, api_key: str, now: float | None = None
) -> bool:
    """Return whether ``header`` signs ``body`` under ``api_key`` recently enough."""
    parts = dict(part.partition("=")[::2] for part in header.split(","))
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > MAX_SIGNATURE_AGE:
        return False
    expected = _digest(body, api_key=api_key, timestamp=timestamp)
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _digest(body: bytes, *, api_key: str, timestamp: int) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(api_key.encode(), message, hashlib.sha256).hexdigest()
