"""Each wizard step rejects bad input by re-rendering itself with a message.

Every case must come back as 200 with the same step and the expected
message, never as a 500. Steps posted out of order must not lead to a
submitted application, because formtools validates every stored step again
before it calls ``done``.
"""

import datetime
import json

import pytest
from django.utils import timezone
from django.utils.html import escape

from onboarding.models import Applicant, WizardDraft
from onboarding.national_ids import SCHEMES
from tests.onboarding.wizard_steps import (
    STEP_FIELDS,
    WIZARD,
    complete_steps_before,
    current_step,
    review,
    step_post,
)

REQUIRED = "This field is required."
INVALID_DATE = "Enter a valid date."
NO_COUNTRY_CODE = "Enter the phone number with its country code, starting with +."
INVALID_PHONE = "This is not a valid phone number."


def invalid_choice(value: str) -> str:
    return f"Select a valid choice. {value} is not one of the available choices."


def too_long(limit: int, length: int) -> str:
    return f"Ensure this value has at most {limit} characters (it has {length})."


def invalid_national_id(country: str) -> str:
    return (
        "This is not a valid number for the chosen country. "
        f"Expected format: {SCHEMES[country].example}."
    )


def years_before(day: datetime.date, years: int) -> datetime.date:
    """Return the same calendar day ``years`` earlier, 29 February as the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def days_from_today(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def post_step(client, canary, step: str, override: dict[str, str | None]):
    """Reach ``step`` with valid data, then post it with ``override`` applied.

    A value of None in ``override`` leaves that field out of the POST.
    """
    complete_steps_before(client, canary, step)
    fields = STEP_FIELDS[step](canary) | override
    present = {name: value for name, value in fields.items() if value is not None}
    return client.post(WIZARD, step_post(step, present))


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def applicant(signed_in_client, verified_user) -> Applicant:
    signed_in_client.get(WIZARD)
    return Applicant.objects.get(user=verified_user)


IDENTITY_CASES = [
    pytest.param({"legal_name": ""}, REQUIRED, id="missing-name"),
    pytest.param({"legal_name": None}, REQUIRED, id="absent-name"),
    pytest.param({"legal_name": "N" * 201}, too_long(200, 201), id="long-name"),
    pytest.param({"date_of_birth": ""}, REQUIRED, id="missing-birth-date"),
    pytest.param({"date_of_birth": "31/12/1990"}, INVALID_DATE, id="day-first-date"),
    pytest.param({"date_of_birth": "1990-02-30"}, INVALID_DATE, id="impossible-date"),
    pytest.param({"date_of_birth": "yesterday"}, INVALID_DATE, id="date-as-word"),
    pytest.param(
        {"date_of_birth": "future"},
        "The date of birth is in the future.",
        id="birth-date-tomorrow",
    ),
    pytest.param(
        {"date_of_birth": "ancient"},
        "The date of birth is too far in the past.",
        id="birth-date-131-years-ago",
    ),
]
# Dates relative to today are filled in when the test runs, not at import.
RELATIVE_DATES = {
    "future": lambda: days_from_today(1),
    "ancient": lambda: years_before(timezone.localdate(), 131).isoformat(),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("override", "message"), IDENTITY_CASES)
def test_identity_step_rejects(signed_in_client, canary, applicant, override, message):
    date_of_birth = override.get("date_of_birth")
    if date_of_birth in RELATIVE_DATES:
        override = override | {"date_of_birth": RELATIVE_DATES[date_of_birth]()}

    response = post_step(signed_in_client, canary, "identity", override)

    assert response.status_code == 200
    assert current_step(response) == "identity"
    assert escape(message) in page_text(response)


@pytest.fixture(params=[None, 21], ids=["configured-age", "age-21"])
def minimum_age(request, settings) -> int:
    """The minimum age in force: the configured one, or 21 set for the test."""
    if request.param is not None:
        settings.ONBOARDING_MINIMUM_AGE = request.param
    return settings.ONBOARDING_MINIMUM_AGE


@pytest.mark.django_db
def test_identity_rejects_day_before_birthday(
    signed_in_client, canary, applicant, minimum_age
):
    # The day after the latest birth date that is old enough today. The
    # applicant turns ``minimum_age`` tomorrow, or the day after when tomorrow
    # is 29 February.
    born = years_before(timezone.localdate(), minimum_age)
    born += datetime.timedelta(days=1)

    response = post_step(
        signed_in_client, canary, "identity", {"date_of_birth": born.isoformat()}
    )

    assert response.status_code == 200
    assert current_step(response) == "identity"
    message = f"You must be at least {minimum_age} years old to apply."
    assert message in page_text(response)


@pytest.mark.django_db
def test_identity_accepts_on_birthday(signed_in_client, canary, applicant, minimum_age):
    born = years_before(timezone.localdate(), minimum_age)

    response = post_step(
        signed_in_client, canary, "identity", {"date_of_birth": born.isoformat()}
    )

    assert response.status_code == 200
    assert current_step(response) == "contact"


CONTACT_CASES = [
    pytest.param({"phone": ""}, REQUIRED, id="missing-phone"),
    pytest.param({"address_line1": ""}, REQUIRED, id="missing-address"),
    pytest.param({"postal_code": ""}, REQUIRED, id="missing-postal-code"),
    pytest.param({"city": ""}, REQUIRED, id="missing-city"),
    pytest.param({"address_country": ""}, REQUIRED, id="missing-country"),
    pytest.param({"address_country": "XX"}, invalid_choice("XX"), id="unknown-country"),
    pytest.param({"phone": "not a phone"}, NO_COUNTRY_CODE, id="malformed-phone"),
    pytest.param({"phone": "+44 20 7946 012"}, INVALID_PHONE, id="phone-digit-short"),
    pytest.param({"phone": "+44 1632 960 000"}, INVALID_PHONE, id="phone-unassigned"),
    pytest.param({"phone": "020 7946 0123"}, NO_COUNTRY_CODE, id="phone-no-code"),
    pytest.param({"phone": "+999 7946 0123"}, NO_COUNTRY_CODE, id="phone-unknown-code"),
    pytest.param({"phone": "+44" + "0" * 30}, too_long(32, 33), id="phone-too-long"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("override", "message"), CONTACT_CASES)
def test_contact_step_rejects(signed_in_client, canary, applicant, override, message):
    response = post_step(signed_in_client, canary, "contact", override)

    assert response.status_code == 200
    assert current_step(response) == "contact"
    assert escape(message) in page_text(response)


# No real person holds any of these numbers. The Finnish codes use the
# temporary range (individual number 900-999), the Dutch checksum case fails
# the 11-test, and the US numbers use an area or group that is never issued.
INVALID_NATIONAL_IDS = {
    "FI": [
        pytest.param("12345", id="FI-wrong-format"),
        pytest.param("010190*912X", id="FI-bad-century-sign"),
        pytest.param("010190-912X", id="FI-bad-check-character"),
    ],
    "NL": [
        pytest.param("12A456789", id="NL-wrong-format"),
        pytest.param("12345678901", id="NL-wrong-length"),
        pytest.param("123456780", id="NL-bad-checksum"),
    ],
    "US": [
        pytest.param("12-345-6789", id="US-wrong-format"),
        pytest.param("000-12-3456", id="US-area-000"),
        pytest.param("123-00-4567", id="US-group-00"),
    ],
}
NATIONAL_ID_CASES = [
    pytest.param(country, *case.values, id=case.id)
    for country, cases in INVALID_NATIONAL_IDS.items()
    for case in cases
]


def test_every_scheme_has_invalid_cases():
    assert set(INVALID_NATIONAL_IDS) == set(SCHEMES)


@pytest.mark.django_db
@pytest.mark.parametrize(("country", "number"), NATIONAL_ID_CASES)
def test_national_id_step_rejects_number(
    signed_in_client, canary, applicant, country, number
):
    override = {"national_id_country": country, "national_id": number}

    response = post_step(signed_in_client, canary, "national_id", override)

    assert response.status_code == 200
    assert current_step(response) == "national_id"
    assert escape(invalid_national_id(country)) in page_text(response)


NATIONAL_ID_FIELD_CASES = [
    pytest.param({"national_id": ""}, REQUIRED, id="missing-number"),
    pytest.param({"national_id_country": ""}, REQUIRED, id="missing-country"),
    pytest.param(
        {"national_id_country": "XX"}, invalid_choice("XX"), id="unknown-country"
    ),
    pytest.param({"national_id": "9" * 41}, too_long(40, 41), id="number-too-long"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("override", "message"), NATIONAL_ID_FIELD_CASES)
def test_national_id_step_rejects_field(
    signed_in_client, canary, applicant, override, message
):
    response = post_step(signed_in_client, canary, "national_id", override)

    assert response.status_code == 200
    assert current_step(response) == "national_id"
    assert escape(message) in page_text(response)


REVIEW_CASES = [
    pytest.param({"consent": None}, id="consent-absent"),
    pytest.param({"consent": ""}, id="consent-empty"),
    pytest.param({"consent": "false"}, id="consent-false"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("override", REVIEW_CASES)
def test_review_step_requires_consent(signed_in_client, canary, applicant, override):
    response = post_step(signed_in_client, canary, "review", override)

    assert response.status_code == 200
    assert current_step(response) == "review"
    assert "Tick the box to give your consent." in page_text(response)
    applicant.refresh_from_db()
    assert applicant.status == Applicant.Status.DRAFT


SKIPPED_STEPS = [
    pytest.param("identity", id="all-steps-skipped"),
    pytest.param("contact", id="contact-onward-skipped"),
    pytest.param("national_id", id="national-id-skipped"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("first_missing", SKIPPED_STEPS)
def test_review_posted_early_not_submitted(
    signed_in_client, canary, applicant, first_missing
):
    complete_steps_before(signed_in_client, canary, first_missing)

    response = signed_in_client.post(WIZARD, review())

    # Strict input rejects a step posted before the steps in front of it.
    assert response.status_code == 400
    applicant.refresh_from_db()
    assert applicant.status == Applicant.Status.DRAFT
    assert applicant.submitted_at is None


@pytest.mark.django_db
def test_stored_steps_validated_again(signed_in_client, canary, applicant):
    complete_steps_before(signed_in_client, canary, "review")
    # Plant a date of birth that the identity form would reject, as if the
    # stored draft had been changed behind the form's back.
    draft = WizardDraft.objects.get(applicant=applicant)
    state = json.loads(draft.state)
    state["step_data"]["identity"]["identity-date_of_birth"] = [days_from_today(1)]
    draft.state = json.dumps(state)
    draft.save()

    response = signed_in_client.post(WIZARD, review())

    assert response.status_code == 200
    assert current_step(response) == "identity"
    assert "The date of birth is in the future." in page_text(response)
    applicant.refresh_from_db()
    assert applicant.status == Applicant.Status.DRAFT


UNKNOWN_STEP_NAMES = [
    pytest.param("done", id="done"),
    pytest.param("0", id="step-number"),
    pytest.param("identity2", id="near-miss"),
    pytest.param("", id="empty"),
    # None leaves the management form out of the POST altogether.
    pytest.param(None, id="absent"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("step_name", UNKNOWN_STEP_NAMES)
def test_unknown_step_name_rejected(signed_in_client, canary, applicant, step_name):
    data = step_post("identity", STEP_FIELDS["identity"](canary))
    del data["onboarding_wizard-current_step"]
    if step_name is not None:
        data["onboarding_wizard-current_step"] = step_name

    response = signed_in_client.post(WIZARD, data)

    assert response.status_code == 400
    assert current_step(signed_in_client.get(WIZARD)) == "identity"
