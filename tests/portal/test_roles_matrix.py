"""Each role against each staff action, over HTTP.

A cell is True when the role may perform the action. Where a role is
denied, the response must carry no personal value of the applicant.
"""

import pytest
from django.urls import reverse

from onboarding.models import Applicant

ALLOWED = {
    #                Support Compliance Security Administrator
    "list": (True, True, False, True),
    "detail": (True, True, False, True),
    "search": (True, True, False, True),
    "reveal": (False, True, False, False),
    "approve": (False, True, False, False),
    "export": (False, True, False, False),
    "audit": (False, False, True, True),
}
ROLES = ("Support", "Compliance", "Security", "Administrator")
REASON = "Checking the number the applicant gave on the phone."


def list_page(client, applicant, canary):
    response = client.get(reverse("staff:onboarding_applicant_changelist"))
    return response, response.status_code == 200


def detail_page(client, applicant, canary):
    url = reverse("staff:onboarding_applicant_change", args=[applicant.reference])
    response = client.get(url)
    return response, response.status_code == 200


def search(client, applicant, canary):
    response = client.post(
        reverse("staff:onboarding_applicant_search"), {"q": canary.email}, follow=True
    )
    allowed = response.status_code == 200 and response.context["cl"].result_count == 1
    return response, allowed


def reveal(client, applicant, canary):
    url = reverse(
        "staff:onboarding_applicant_reveal", args=[applicant.reference, "phone"]
    )
    response = client.post(url, {"reason": REASON, "action": "reveal"})
    return response, response.status_code == 200


def approve(client, applicant, canary):
    url = reverse("staff:onboarding_applicant_decide", args=[applicant.reference])
    response = client.post(url, {"decision": "verified"})
    applicant.refresh_from_db()
    return response, applicant.status == Applicant.Status.VERIFIED


def export(client, applicant, canary):
    response = client.post(
        reverse("staff:onboarding_applicant_changelist"),
        {"action": "export_masked_csv", "_selected_action": [applicant.reference]},
    )
    return response, response.get("Content-Type") == "text/csv"


def audit(client, applicant, canary):
    response = client.get(reverse("staff:audit_accessevent_changelist"))
    return response, response.status_code == 200


ACTIONS = {
    "list": list_page,
    "detail": detail_page,
    "search": search,
    "reveal": reveal,
    "approve": approve,
    "export": export,
    "audit": audit,
}
CASES = [
    pytest.param(role, action, ALLOWED[action][column], id=f"{role}-{action}")
    for action in ACTIONS
    for column, role in enumerate(ROLES)
]


def response_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "action", "expected"), CASES)
def test_role_action(
    portal_client, submitted_applicant, canary, role, action, expected
):
    client = portal_client(role)

    response, allowed = ACTIONS[action](client, submitted_applicant, canary)

    assert allowed is expected
    if not allowed:
        text = response_text(response)
        for kind, value in canary.searchable_values().items():
            assert value not in text, f"a denied {action} response shows the {kind}"


@pytest.mark.django_db
def test_export_is_masked(portal_client, submitted_applicant, canary):
    client = portal_client("Compliance")

    response, allowed = export(client, submitted_applicant, canary)

    text = response_text(response)
    assert allowed
    assert submitted_applicant.reference in text
    for kind, value in canary.searchable_values().items():
        assert value not in text, f"the masked export shows the {kind}"
