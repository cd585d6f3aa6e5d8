"""Canary values: unique, reserved-range personal data planted by tests.

Each run gets fresh values, so a match found in a sink cannot be left over
from an earlier run. Every value comes from a reserved range:
example.com addresses, the fictional London range 020 7946 0000-0999, and
Finland's temporary identity codes (900-999), as onboarding.synthetic
explains.
"""

import datetime
import random
import secrets
from dataclasses import dataclass, fields

from onboarding.synthetic import temporary_hetu


@dataclass(frozen=True)
class Canary:
    email: str
    password: str
    legal_name: str
    date_of_birth: str
    phone: str
    phone_e164: str
    address_line1: str
    postal_code: str
    city: str
    national_id: str

    def values(self) -> dict[str, str]:
        """Return every planted value by field name, password included."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def searchable_values(self) -> dict[str, str]:
        """Return the values worth searching for in stored data.

        The display form of the phone number is left out because the stored
        form is E.164, and the date because its ISO text also matches
        ordinary timestamps of the same day.
        """
        values = self.values()
        del values["phone"]
        del values["date_of_birth"]
        return values


def make_canary() -> Canary:
    marker = secrets.token_hex(4)
    generator = random.Random(marker)  # noqa: S311 - test data, not a secret
    born = datetime.date(1970, 1, 1) + datetime.timedelta(
        days=generator.randint(0, 10000)
    )
    # 0000-0099 are left for examples in help texts, so a canary never
    # matches text that every page shows.
    subscriber = generator.randint(100, 999)
    return Canary(
        email=f"canary.{marker}@example.com",
        password=f"canary-password-{marker}",
        legal_name=f"Canaryname Zq{marker}",
        date_of_birth=born.isoformat(),
        phone=f"+44 20 7946 {subscriber:04d}",
        phone_e164=f"+44207946{subscriber:04d}",
        address_line1=f"{generator.randint(1, 99)} Canarystreet{marker}",
        postal_code=f"ZZ{marker[:4]}",
        city=f"Canarytown{marker}",
        national_id=temporary_hetu(born, generator.randint(900, 999)),
    )
