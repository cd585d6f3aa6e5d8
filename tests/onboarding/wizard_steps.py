"""POST data for each wizard step, built from a canary, and page readers."""

import re

from django.urls import reverse

WIZARD = reverse("onboarding:wizard")
PREFIX = "onboarding_wizard"
STEPS = ("identity", "contact", "national_id", "review")


def step_post(step: str, fields: dict[str, str]) -> dict[str, str]:
    data = {f"{step}-{name}": value for name, value in fields.items()}
    data[f"{PREFIX}-current_step"] = step
    return data


def identity_fields(canary) -> dict[str, str]:
    return {"legal_name": canary.legal_name, "date_of_birth": canary.date_of_birth}


def contact_fields(canary) -> dict[str, str]:
    return {
        "phone": canary.phone,
        "address_line1": canary.address_line1,
        "address_line2": "",
        "postal_code": canary.postal_code,
        "city": canary.city,
        "address_country": "FI",
    }


def national_id_fields(canary) -> dict[str, str]:
    return {"national_id_country": "FI", "national_id": canary.national_id}


def review_fields(canary) -> dict[str, str]:
    # The review step has only the consent box. It takes a canary anyway, so
    # STEP_FIELDS can call every step's function the same way.
    return {"consent": "on"}


STEP_FIELDS = {
    "identity": identity_fields,
    "contact": contact_fields,
    "national_id": national_id_fields,
    "review": review_fields,
}


def identity(canary) -> dict[str, str]:
    return step_post("identity", identity_fields(canary))


def contact(canary) -> dict[str, str]:
    return step_post("contact", contact_fields(canary))


def national_id(canary) -> dict[str, str]:
    return step_post("national_id", national_id_fields(canary))


def review() -> dict[str, str]:
    return step_post("review", {"consent": "on"})


def complete_steps_before(client, canary, step: str) -> None:
    """Open the wizard and post valid data for every step before ``step``."""
    client.get(WIZARD)
    for earlier in STEPS[: STEPS.index(step)]:
        response = client.post(WIZARD, step_post(earlier, STEP_FIELDS[earlier](canary)))
        assert current_step(response) != earlier, f"step {earlier} was rejected"


def current_step(response) -> str:
    match = re.search(
        rb'name="onboarding_wizard-current_step" value="(\w+)"', response.content
    )
    assert match, "the page has no wizard management form"
    return match.group(1).decode()
