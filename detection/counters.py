"""Counters in the Django cache, shared by every web process through Redis.

Keys never contain an address or an e-mail address: clients are named by
the blind index of their IP address, and e-mail addresses by theirs.
Counters use fixed windows, so a client can spread up to twice a threshold
over the boundary of two windows before a rule fires.
"""

import time

from django.core.cache import cache
from django.http import HttpRequest

from vault import blind_index
from vault.client_ip import client_ip_address

KEY_PREFIX = "detection"


def client_index(request: HttpRequest) -> str | None:
    """Return the blind index of the client's IP address, or None without one."""
    address = client_ip_address(request)
    if not address:
        return None
    return blind_index.blind_index(address, domain="client_ip")


def client_subject(request: HttpRequest) -> str | None:
    """Name the client: by account when signed in, else by address index."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    index = client_index(request)
    return f"ip:{index}" if index else None


def window_start(window_seconds: int) -> int:
    """Return the start, in Unix seconds, of the window that contains now."""
    now = int(time.time())
    return now - now % window_seconds


def counter_key(*parts: object) -> str:
    return ":".join((KEY_PREFIX, *(str(part) for part in parts)))


def increment(key: str, *, timeout: int) -> int:
    """Add one to the counter at ``key`` and return the new count.

    The first increment sets the expiry; Redis' INCR is atomic, so
    concurrent requests each get a different count.
    """
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:
        # The key expired between add() and incr().
        cache.add(key, 1, timeout=timeout)
        return 1


def first_sighting(key: str, *, timeout: int) -> bool:
    """Return True the first time ``key`` is seen within ``timeout`` seconds."""
    return bool(cache.add(key, 1, timeout=timeout))


def reset(key: str) -> None:
    cache.delete(key)
