"""Synthetic people for demo data and tests, drawn from reserved ranges.

E-mail addresses use the domains reserved for documentation (example.com
and example.org, RFC 2606), and phone numbers come from the London range
that Ofcom keeps for drama (020 7946 0000-0999), so neither reaches a real
person. National ID numbers are Finnish temporary identity codes
(individual numbers 900-999). The population register never issues those
as permanent codes, but organisations assign them locally to people who
have no code, so a made-up one is unlikely, not certain, to be unused. The
wizard accepts them, so seeded data passes the same validation as typed
data. Names and postal addresses come from Faker.
"""

import datetime
import random
import re
import unicodedata
import uuid
from dataclasses import dataclass

from faker import Faker

from vault import tokens

RESERVED_EMAIL_DOMAINS = ("example.com", "example.org")
# The fictional range in E.164: +44 20 7946 0000 to +44 20 7946 0999.
FICTIONAL_PHONE_PREFIX = "+442079460"
FICTIONAL_PHONE_COUNT = 1000
TEMPORARY_HETU_INDIVIDUALS = range(900, 1000)

# The check character of a Finnish identity code is the nine digits of date
# and individual number, modulo 31, looked up in this alphabet.
HETU_CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
HETU_CENTURY_SIGNS = {18: "+", 19: "-", 20: "A"}

# Birth dates fall in a fixed window, so the same seed gives the same dates
# on any day, and every person is an adult.
EARLIEST_BIRTH_DATE = datetime.date(1940, 1, 1)
LATEST_BIRTH_DATE = datetime.date(2000, 12, 31)

FAKER_LOCALE = "fi_FI"


def temporary_hetu(born: datetime.date, individual: int) -> str:
    """Return a Finnish temporary identity code with a valid check character.

    Raises ValueError when ``individual`` is outside 900-999, the range of
    temporary codes.
    """
    if individual not in TEMPORARY_HETU_INDIVIDUALS:
        msg = "Temporary identity codes use individual numbers 900-999."
        raise ValueError(msg)
    date_part = f"{born:%d%m%y}"
    check = HETU_CHECK_CHARACTERS[int(f"{date_part}{individual:03d}") % 31]
    century_sign = HETU_CENTURY_SIGNS[born.year // 100]
    return f"{date_part}{century_sign}{individual:03d}{check}"


def fictional_phone(position: int) -> str:
    """Return the E.164 number at ``position`` (0-999) of the fictional range."""
    if not 0 <= position < FICTIONAL_PHONE_COUNT:
        msg = f"The fictional phone range has positions 0-{FICTIONAL_PHONE_COUNT - 1}."
        raise ValueError(msg)
    return f"{FICTIONAL_PHONE_PREFIX}{position:03d}"


@dataclass(frozen=True)
class SyntheticPerson:
    """One made-up applicant, with values in the shape the wizard submits."""

    email: str
    legal_name: str
    date_of_birth: datetime.date
    phone: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    address_country: str
    national_id_country: str
    national_id: str
    # Drawn from the seed too, so a second run gives the same rows.
    reference: str
    user_id: uuid.UUID

    def wizard_data(self) -> dict[str, object]:
        """Return the fields that ``applicant_submit`` stores."""
        return {
            "legal_name": self.legal_name,
            "date_of_birth": self.date_of_birth,
            "phone": self.phone,
            "address_line1": self.address_line1,
            "address_line2": self.address_line2,
            "postal_code": self.postal_code,
            "city": self.city,
            "address_country": self.address_country,
            "national_id_country": self.national_id_country,
            "national_id": self.national_id,
        }


def synthetic_people(count: int, *, seed: int) -> list[SyntheticPerson]:
    """Return ``count`` synthetic people, the same ones for the same seed.

    Person ``n`` depends only on the seed and ``n``, so a longer list starts
    with the people of a shorter one. Every person gets a different phone
    number, so ``count`` is at most 1000, the size of the fictional range.
    The output also depends on the installed Faker version, whose word lists
    change between releases. Raises ValueError for a ``count`` out of range.
    """
    if not 0 <= count <= FICTIONAL_PHONE_COUNT:
        msg = f"count must be between 0 and {FICTIONAL_PHONE_COUNT}."
        raise ValueError(msg)
    # The seed picks where in the fictional range the numbers start.
    phone_offset = random.Random(seed).randrange(FICTIONAL_PHONE_COUNT)  # noqa: S311 - demo data, not a secret
    fake = Faker(FAKER_LOCALE)
    people = []
    for position in range(count):
        fake.seed_instance(f"{seed}:{position}")
        phone = fictional_phone((phone_offset + position) % FICTIONAL_PHONE_COUNT)
        people.append(_synthetic_person(fake, position=position, phone=phone))
    return people


def _synthetic_person(fake: Faker, *, position: int, phone: str) -> SyntheticPerson:
    first_name = fake.first_name()
    last_name = fake.last_name()
    born = fake.date_between_dates(EARLIEST_BIRTH_DATE, LATEST_BIRTH_DATE)
    domain = RESERVED_EMAIL_DOMAINS[position % len(RESERVED_EMAIL_DOMAINS)]
    # The position in the local part keeps addresses of one seed distinct
    # even when Faker repeats a name.
    local_part = f"{_ascii_slug(first_name)}.{_ascii_slug(last_name)}.{position + 1}"
    individual = fake.random.choice(TEMPORARY_HETU_INDIVIDUALS)
    return SyntheticPerson(
        email=f"{local_part}@{domain}",
        legal_name=f"{first_name} {last_name}",
        date_of_birth=born,
        phone=phone,
        address_line1=fake.street_address(),
        address_line2="",
        postal_code=fake.postcode(),
        city=fake.city(),
        address_country="FI",
        national_id_country="FI",
        national_id=temporary_hetu(born, individual),
        reference=_applicant_reference(fake.random),
        user_id=uuid.UUID(int=fake.random.getrandbits(128), version=4),
    )


def _applicant_reference(generator: random.Random) -> str:
    # The format of vault.tokens.new_public_reference, from the seeded
    # generator instead of the secrets module.
    groups = (
        "".join(generator.choices(tokens.ALPHABET, k=tokens.GROUP_LENGTH))
        for _ in range(tokens.GROUPS)
    )
    return "-".join(["APL", *groups])


def _ascii_slug(name: str) -> str:
    # Drops accents (Wirén becomes wiren) and anything an address would not
    # carry, so the local part is plain ASCII.
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = decomposed.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-") or "person"


# Fake makers for anonymize_database, which seeds the Faker instance from
# the original value (vault.pseudonyms). Each draws from the same reserved
# ranges as the synthetic people above.


def fake_email(fake: Faker) -> str:
    # Eight hex characters keep fakes of different originals apart even
    # when Faker repeats a name.
    name = f"{_ascii_slug(fake.first_name())}.{_ascii_slug(fake.last_name())}"
    domain = fake.random.choice(RESERVED_EMAIL_DOMAINS)
    return f"{name}.{fake.hexify('^' * 8)}@{domain}"


def fake_legal_name(fake: Faker) -> str:
    return f"{fake.first_name()} {fake.last_name()}"


def fake_date_of_birth(fake: Faker) -> datetime.date:
    return fake.date_between_dates(EARLIEST_BIRTH_DATE, LATEST_BIRTH_DATE)


def fake_phone(fake: Faker) -> str:
    return fictional_phone(fake.random.randrange(FICTIONAL_PHONE_COUNT))


def fake_national_id(fake: Faker) -> str:
    # TODO: every fake is a Finnish temporary code, also for a Dutch or US
    # number, because those schemes have no range that is never issued. The
    # stored issuing country is kept, so such a row fails its own scheme's
    # validation if staff edit it.
    born = fake.date_between_dates(EARLIEST_BIRTH_DATE, LATEST_BIRTH_DATE)
    return temporary_hetu(born, fake.random.choice(TEMPORARY_HETU_INDIVIDUALS))


def fake_last_four(fake: Faker) -> str:
    return "".join(fake.random.choices(HETU_CHECK_CHARACTERS, k=4))


def fake_country(fake: Faker) -> str:
    return str(fake.country_code())
