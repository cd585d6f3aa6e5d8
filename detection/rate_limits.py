"""Fixed-window rate limits, counted in the shared Django cache.

Every web process counts in the same cache (Redis in production), so a
limit applies across gunicorn workers and hosts. A counter is keyed by the
URL name, the kind of limit and a keyed hash of the client's IP address or
of the e-mail address, so no cache key contains either value.

A fixed window lets a client send up to twice the limit across the boundary
between two windows. That is the price of two cache operations per counter,
and it still stops enumeration, which needs thousands of requests.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

from detection import counters
from vault import blind_index

CLIENT_IP = "ip"
EMAIL = "email"
# Requests whose client address is missing or not an IP address share one
# counter, which errs on the side of limiting them.
_UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class Limit:
    """At most ``requests`` requests in each window of ``seconds`` seconds."""

    requests: int
    seconds: int


@dataclass(frozen=True)
class Overrun:
    """A request over its limit: the count so far and when to retry."""

    kind: str
    limit: Limit
    count: int
    retry_after: int

    @property
    def is_first(self) -> bool:
        """Return whether this is the window's first request over the limit.

        Only that one records a security event, so a flood of requests
        writes one row per window and not one per request.
        """
        return self.count == self.limit.requests + 1


def configured_limit(url_name: str, kind: str) -> Limit | None:
    """Return the limit of ``kind`` that DETECTION_RATE_LIMITS sets for a URL."""
    configured = settings.DETECTION_RATE_LIMITS.get(url_name, {}).get(kind)
    if configured is None:
        return None
    requests, seconds = configured
    if requests < 1 or seconds < 1:
        msg = (
            f"DETECTION_RATE_LIMITS sets a {kind} limit for {url_name} that is "
            "not a pair of positive whole numbers (requests, seconds)."
        )
        raise ImproperlyConfigured(msg)
    return Limit(requests=requests, seconds=seconds)


def client_ip_key(ip_address: str | None) -> str:
    """Return the keyed hash that names a client IP address in a counter."""
    try:
        return blind_index.ip_address_index(ip_address or "")
    except ValueError:
        return _UNKNOWN_CLIENT


def email_key(address: str) -> str:
    """Return the keyed hash that names an e-mail address in a counter.

    It is the address's blind index, the same value that the account's
    unique column and django-axes' counters use.
    """
    return blind_index.email_index(address)


def request_count(*, url_name: str, subjects: list[tuple[str, str]]) -> list[Overrun]:
    """Count one request against each subject's limit and return the overruns.

    ``subjects`` pairs a limit kind with a keyed hash from client_ip_key()
    or email_key(), never with the IP address or e-mail address itself. A
    kind without a configured limit for ``url_name`` is not counted.
    """
    now = time.time()
    counted: list[tuple[str, Limit, int, str]] = []
    for kind, subject_key in subjects:
        limit = configured_limit(url_name, kind)
        if limit is None:
            continue
        window = int(now // limit.seconds)
        key = counters.counter_key("rate", url_name, kind, subject_key, window)
        counted.append((kind, limit, window, key))
    # The extra second keeps a counter alive until its window is over,
    # whatever the clock skew between this process and the cache.
    counts = _increment_all([(key, limit.seconds + 1) for _, limit, _, key in counted])

    overruns = []
    for (kind, limit, window, _key), count in zip(counted, counts, strict=True):
        if count > limit.requests:
            window_end = (window + 1) * limit.seconds
            retry_after = max(1, math.ceil(window_end - now))
            overruns.append(
                Overrun(kind=kind, limit=limit, count=count, retry_after=retry_after)
            )
    return overruns


def _increment_all(keys: list[tuple[str, int]]) -> list[int]:
    """Add one to the counter at each key and return the new counts.

    Each pair is a key and the timeout in seconds it keeps. On Django's
    Redis cache, every INCR and EXPIRE goes in one MULTI transaction: one
    round trip in all, where add() and incr() take three per counter. A key
    contains its window, so moving its expiry on at each increment never
    keeps a count beyond the window's end plus the timeout.
    """
    if not keys:
        return []
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache):
        return [counters.increment(key, timeout=timeout) for key, timeout in keys]
    cache_keys = [
        (backend.make_and_validate_key(key), timeout) for key, timeout in keys
    ]
    # Django's Redis cache stores integers unpickled, so INCR works on the
    # counters that cache.add() and cache.incr() write, and the other way
    # round. It sends every write to its first server, which is the one the
    # client for any key connects to. Django 5.2 offers no public way to
    # send a pipeline, so the client comes from the private _cache attribute.
    client = backend._cache.get_client(cache_keys[0][0], write=True)  # type: ignore[attr-defined]
    with client.pipeline(transaction=True) as pipeline:
        for cache_key, timeout in cache_keys:
            pipeline.incr(cache_key)
            pipeline.expire(cache_key, timeout)
        replies = pipeline.execute()
    # The replies alternate: the new count, then EXPIRE's success flag.
    return [int(count) for count in replies[::2]]
