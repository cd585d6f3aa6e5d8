"""Read and clear this test run's keys in the Redis cache.

The test settings give every run its own cache key prefix, so these
helpers touch only keys that this run wrote, even when other runs share
the Redis database.
"""

import redis
from django.conf import settings

# Keys fetched per SCAN call. The scan ends when Redis has visited every key.
SCAN_BATCH = 100


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def _pattern() -> str:
    return f"{settings.CACHES['default']['KEY_PREFIX']}:*"


def cache_keys() -> list[str]:
    """Return every key of this run, with its prefix."""
    keys = _client().scan_iter(match=_pattern(), count=SCAN_BATCH)
    return [key.decode() for key in keys]


def cache_contents() -> dict[str, bytes]:
    """Return every key of this run with its stored value."""
    client = _client()
    return {key: client.get(key) or b"" for key in cache_keys()}


def clear_cache_keys() -> None:
    """Delete every key of this run, such as django-axes' failure counters."""
    keys = cache_keys()
    if keys:
        _client().delete(*keys)
