"""The wizard over HTTP: steps in order, Back, resume and the closed end."""

import pytest
from django.urls import reverse

from onboarding.models import Applicant, WizardDraft
from tests.database_scan import assert_nowhere
from tests.onboarding.wizard_steps import (
    WIZARD,
    contact,
    current_step,
    identity,
    national_id,
    review,
)


@pytest.mark.django_db
def test_wizard_complete_flow(signed_in_client, canary):
    assert current_step(signed_in_client.get(WIZARD)) == "identity"
    assert current_step(signed_in_client.post(WIZARD, identity(canary))) == "contact"
    assert current_step(signed_in_client.post(WIZARD, contact(canary))) == "national_id"
    assert current_step(signed_in_client.post(WIZARD, national_id(canary))) == "review"

    response = signed_in_client.post(WIZARD, review())

    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:confirmation")
    applicant = Applicant.objects.get()
    assert applicant.status == Applicant.Status.SUBMITTED
    assert applicant.legal_name == canary.legal_name
    assert applicant.phone == canary.phone_e164
    assert applicant.national_id == canary.national_id
    assert not WizardDraft.objects.exists()
    assert_nowhere(canary.searchable_values())


@pytest.mark.django_db
def test_wizard_draft_is_encrypted(signed_in_client, canary):
    signed_in_client.post(WIZARD, identity(canary))
    signed_in_client.post(WIZARD, contact(canary))

    assert WizardDraft.objects.count() == 1
    assert_nowhere(canary.searchable_values())


@pytest.mark.django_db
def test_wizard_back_keeps_entered_data(signed_in_client, canary):
    signed_in_client.post(WIZARD, identity(canary))

    response = signed_in_client.post(WIZARD, {"wizard_goto_step": "identity"})

    assert current_step(response) == "identity"
    assert canary.legal_name.encode() in response.content


@pytest.mark.django_db
def test_wizard_resumes_after_sign_out(signed_in_client, canary):
    signed_in_client.post(WIZARD, identity(canary))
    signed_in_client.post(WIZARD, contact(canary))
    signed_in_client.post(reverse("onboarding:sign-out"))

    assert signed_in_client.login(username=canary.email, password=canary.password)
    response = signed_in_client.get(WIZARD)

    assert current_step(response) == "national_id"


@pytest.mark.django_db
def test_wizard_closed_after_submission(signed_in_client, submitted_applicant, canary):
    assert signed_in_client.get(WIZARD)["Location"] == reverse(
        "onboarding:confirmation"
    )

    response = signed_in_client.post(
        WIZARD, identity(canary) | {"identity-legal_name": "Changed Name"}
    )

    assert response.status_code == 302
    submitted_applicant.refresh_from_db()
    assert submitted_applicant.legal_name == canary.legal_name


@pytest.mark.django_db
def test_wizard_requires_sign_in(client):
    response = client.get(WIZARD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("onboarding:sign-in"))


@pytest.mark.django_db
def test_confirmation_shows_reference(signed_in_client, submitted_applicant):
    response = signed_in_client.get(reverse("onboarding:confirmation"))

    assert submitted_applicant.reference.encode() in response.content
