"""Consistent fake values: within one run, one original always gets one fake.

anonymize_database replaces personal values with made-up ones. Equal
originals must get equal fakes, so duplicates and joins survive, and
different originals should get different fakes, so uniqueness survives too.
Each fake comes from a Faker instance seeded with HMAC-SHA256 of the
original under a random key of the run. The key is never stored, so the
mapping cannot be rebuilt or reversed after the run.

Only keyed digests of the originals are kept in memory, never the values.
"""

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from faker import Faker

# Fresh candidates tried before a fake may repeat a value that is taken.
# Small fake spaces (1000 fictional phone numbers, say) can run out; the
# count of such repeats is reported, never hidden.
MAX_ATTEMPTS = 25
DIGEST_BYTES = 16

FakeMaker = Callable[[Faker], Any]


def normalized_text(value: Any) -> str:
    """Return the text that decides whether two originals are equal.

    Case and surrounding spaces do not count, as for the e-mail blind index.
    """
    return str(value).strip().casefold()


class Pseudonyms:
    """Hand out fakes per domain, the same fake for the same original.

    A domain is a kind of value, such as "email"; values of one domain in
    different tables share fakes. A fake is chosen so that it equals no
    original registered with ``add_original`` and no earlier fake, within
    MAX_ATTEMPTS tries.
    """

    def __init__(self, key: bytes, *, locale: str) -> None:
        self._key = key
        self._faker = Faker(locale)
        self._fakes: dict[str, dict[bytes, Any]] = defaultdict(dict)
        self._taken: dict[str, set[bytes]] = defaultdict(set)
        # Fakes that equal an original or an earlier fake because every
        # attempt hit a taken value.
        self.repeated = 0

    def digest(self, domain: str, value: Any) -> bytes:
        """Return the run's keyed digest of ``value`` in ``domain``."""
        message = f"{domain}\x00{normalized_text(value)}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()[:DIGEST_BYTES]

    def add_original(self, domain: str, value: Any) -> None:
        """Register an original value, which no fake of the domain may equal."""
        self._taken[domain].add(self.digest(domain, value))

    def fake(self, domain: str, original: Any, make: FakeMaker) -> Any:
        """Return the fake of ``original``, made by ``make`` on first request."""
        original_digest = self.digest(domain, original)
        known = self._fakes[domain]
        if original_digest in known:
            return known[original_digest]

        taken = self._taken[domain]
        for attempt in range(MAX_ATTEMPTS):
            seed = hmac.new(
                self._key, original_digest + attempt.to_bytes(2, "big"), "sha256"
            ).digest()
            self._faker.seed_instance(int.from_bytes(seed[:DIGEST_BYTES], "big"))
            candidate = make(self._faker)
            candidate_digest = self.digest(domain, candidate)
            if candidate_digest not in taken:
                break
        else:
            self.repeated += 1

        taken.add(candidate_digest)
        known[original_digest] = candidate
        return candidate
