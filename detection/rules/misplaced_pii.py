"""Personal data of one kind typed into a field meant for another."""

from collections.abc import Mapping

from django.http import HttpRequest

from detection import counters
from detection.rules.base import Rule
from detection.rules.sources import network_source
from vault.detector import Kind, pii_kinds

# The kinds each field may contain. Any other field may contain none, so a
# national ID number in an address line, or an e-mail address in a name,
# is misplaced.
EXPECTED_KINDS: dict[str, frozenset[Kind]] = {
    "email": frozenset({Kind.EMAIL}),
    "phone": frozenset({Kind.PHONE}),
    "date_of_birth": frozenset({Kind.DATE_OF_BIRTH}),
    "national_id": frozenset({Kind.NATIONAL_ID}),
}


class MisplacedPii(Rule):
    """A field whose value looks like another kind of personal data.

    It shows a confused applicant, or someone testing where the site stores
    or echoes data. The event names the field and the kind, never the value.
    """

    name = "personal data in the wrong field"

    @classmethod
    def observe(
        cls, *, request: HttpRequest, form: str, values: Mapping[str, str]
    ) -> None:
        """Check each posted value; the values are never stored or logged."""
        for field, value in values.items():
            misplaced = pii_kinds(value) - EXPECTED_KINDS.get(field, frozenset())
            for kind in sorted(misplaced):
                cls.record(
                    incident=(counters.client_subject(request), form, field, kind),
                    detail={"form": form, "field": field, "kind": str(kind)},
                    source=network_source(request),
                )
