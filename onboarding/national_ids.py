"""National ID number schemes accepted by the wizard.

Each scheme validates format and check digits with python-stdnum. A fork
that onboards people from another country adds one entry to ``SCHEMES``
(stdnum covers most countries) and the wizard offers it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fi import hetu
from stdnum.nl import bsn
from stdnum.us import ssn


@dataclass(frozen=True)
class NationalIdScheme:
    country: str
    country_name: Promise
    label: Promise
    example: str
    validate: Callable[[str], str]


def _validate_hetu(number: str) -> str:
    # Finland issues temporary identity codes from the 900-999 range, so a
    # real applicant may hold one; rejecting them would lock those people out.
    return hetu.validate(number, allow_temporary=True)


SCHEMES = {
    scheme.country: scheme
    for scheme in (
        NationalIdScheme(
            country="FI",
            country_name=_("Finland"),
            label=_("Finland: personal identity code"),
            example="DDMMYY-NNNC",
            validate=_validate_hetu,
        ),
        NationalIdScheme(
            country="NL",
            country_name=_("Netherlands"),
            label=_("Netherlands: citizen service number (BSN)"),
            example="9 digits",
            validate=bsn.validate,
        ),
        NationalIdScheme(
            country="US",
            country_name=_("United States"),
            label=_("United States: Social Security number"),
            example="AAA-GG-SSSS",
            validate=ssn.validate,
        ),
    )
}


class InvalidNationalIdError(ValueError):
    """The number does not match the format or check digits of its scheme."""


def canonical_national_id(country: str, number: str) -> str:
    """Return ``number`` in the canonical form of ``country``'s scheme.

    Raises InvalidNationalIdError when the number is not valid for the scheme, or
    KeyError when ``country`` has no scheme.
    """
    scheme = SCHEMES[country]
    try:
        return scheme.validate(number)
    except StdnumValidationError as error:
        raise InvalidNationalIdError from error
