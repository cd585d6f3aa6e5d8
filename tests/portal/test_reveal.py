"""Reveals over HTTP: permission, reason, step-up, limits and four eyes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from onboarding import services
from onboarding.models import RevealRequest
from onboarding.staff.two_factor import OTP_VERIFIED_AT_SESSION_KEY
from tests.conftest import canary_wizard_data

REASON = "Applicant called support and asked to confirm the number we hold."


def reveal_url(applicant, field: str) -> str:
    return reverse(
        "staff:onboarding_applicant_reveal", args=[applicant.reference, field]
    )


def reveal(
    client, applicant, field: str, *, reason: str = REASON, action: str = "reveal"
):
    return client.post(
        reveal_url(applicant, field), {"reason": reason, "action": action}
    )


def refusal_rules(field: str) -> list[str]:
    events = AccessEvent.objects.filter(
        action=AccessEvent.Action.REVEAL,
        outcome=AccessEvent.Outcome.DENIED,
        field=field,
    )
    return [event.detail["rule"] for event in events]


@pytest.fixture
def compliance(portal_client):
    return portal_client("Compliance")


@pytest.fixture
def second_compliance(portal_client):
    return portal_client("Compliance")


@pytest.mark.django_db
def test_reveal_shows_value_once(compliance, submitted_applicant, canary):
    response = reveal(compliance, submitted_applicant, "phone")

    assert response.status_code == 200
    assert canary.phone_e164 in response.content.decode()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_reveal_writes_access_event(compliance, submitted_applicant):
    reveal(compliance, submitted_applicant, "phone", reason=REASON)

    event = AccessEvent.objects.get(action=AccessEvent.Action.REVEAL)
    assert event.actor == compliance.staff_member
    assert event.outcome == AccessEvent.Outcome.ALLOWED
    assert event.applicant_reference == submitted_applicant.reference
    assert event.field == "phone"
    assert event.reason == REASON
    assert event.client_network == "127.0.0.0/24"


@pytest.mark.django_db
def test_reveal_form_shows_no_value(compliance, submitted_applicant, canary):
    response = compliance.get(reveal_url(submitted_applicant, "phone"))

    assert response.status_code == 200
    assert canary.phone_e164 not in response.content.decode()


@pytest.mark.django_db
def test_reveal_of_email_on_user(compliance, submitted_applicant, canary):
    response = reveal(compliance, submitted_applicant, "email")

    assert canary.email in response.content.decode()


@pytest.mark.django_db
def test_reveal_needs_reason(compliance, submitted_applicant, canary):
    response = reveal(compliance, submitted_applicant, "phone", reason="because")

    assert response.status_code == 403
    assert canary.phone_e164 not in response.content.decode()
    assert refusal_rules("phone") == ["reason"]


@pytest.mark.django_db
def test_support_reveal_refused_and_logged(portal_client, submitted_applicant, canary):
    support = portal_client("Support")

    response = reveal(support, submitted_applicant, "phone")

    assert response.status_code == 403
    assert canary.phone_e164 not in response.content.decode()
    assert refusal_rules("phone") == ["permission"]


@pytest.mark.django_db
def test_security_cannot_open_reveal(portal_client, submitted_applicant, canary):
    security = portal_client("Security")

    response = reveal(security, submitted_applicant, "phone")

    assert response.status_code == 403
    assert canary.phone_e164 not in response.content.decode()


@pytest.mark.django_db
def test_superuser_without_role_cannot_reveal(
    staff_client, submitted_applicant, canary
):
    response = reveal(staff_client, submitted_applicant, "phone")

    assert response.status_code == 403
    assert canary.phone_e164 not in response.content.decode()
    assert refusal_rules("phone") == ["permission"]


def test_reveal_reason_with_personal_data(compliance, submitted_applicant, canary):
    reason = f"The caller gave {canary.email} and asked to confirm the number."

    response = reveal(compliance, submitted_applicant, "phone", reason=reason)

    assert canary.phone_e164 not in response.content.decode()
    assert refusal_rules("phone") == ["personal data in reason"]
    stored = " ".join(AccessEvent.objects.values_list("reason", flat=True))
    assert canary.email not in stored


def test_stale_second_factor_redirects_to_step_up(compliance, submitted_applicant):
    session = compliance.session
    stale = timezone.now() - datetime.timedelta(minutes=30)
    session[OTP_VERIFIED_AT_SESSION_KEY] = stale.isoformat()
    session.save()

    response = reveal(compliance, submitted_applicant, "phone")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:step_up"))
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).exists()


@pytest.mark.django_db
def test_reveal_rate_limited(compliance, submitted_applicant, canary, settings):
    settings.STAFF_REVEALS_PER_HOUR = 2
    reveal(compliance, submitted_applicant, "phone")
    reveal(compliance, submitted_applicant, "city")

    response = reveal(compliance, submitted_applicant, "legal_name")

    assert response.status_code == 429
    assert canary.legal_name not in response.content.decode()
    assert refusal_rules("legal_name") == ["rate limit"]


@pytest.mark.django_db
def test_own_record_not_found(portal_client, canary):
    compliance = portal_client("Compliance")
    own = services.applicant_for_user(user=compliance.staff_member)
    services.applicant_submit(applicant=own, data=canary_wizard_data(canary))

    detail = compliance.get(
        reverse("staff:onboarding_applicant_change", args=[own.reference])
    )
    response = reveal(compliance, own, "phone")

    assert detail.status_code == 302  # the admin redirects a missing object
    assert response.status_code == 404
    assert canary.phone_e164 not in response.content.decode()


@pytest.mark.django_db
def test_unknown_field_not_found(compliance, submitted_applicant):
    response = reveal(compliance, submitted_applicant, "password")

    assert response.status_code == 404


@pytest.mark.django_db
def test_national_id_needs_approval(compliance, submitted_applicant, canary):
    response = reveal(compliance, submitted_applicant, "national_id")

    assert response.status_code == 403
    assert canary.national_id not in response.content.decode()
    assert refusal_rules("national_id") == ["approval"]


@pytest.mark.django_db
def test_four_eyes_reveal_flow(
    compliance, second_compliance, submitted_applicant, canary
):
    reveal(compliance, submitted_applicant, "national_id", action="request")
    reveal_request = RevealRequest.objects.get()
    approve = reverse(
        "staff:onboarding_applicant_approve_reveal",
        args=[submitted_applicant.reference, reveal_request.pk],
    )
    second_compliance.post(approve)

    first = reveal(compliance, submitted_applicant, "national_id")
    second = reveal(compliance, submitted_applicant, "national_id")

    assert canary.national_id in first.content.decode()
    assert second.status_code == 403
    actions = list(
        AccessEvent.objects.filter(field="national_id", outcome="allowed")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["reveal_request", "reveal_approval", "reveal"]


@pytest.mark.django_db
def test_own_request_cannot_be_approved(compliance, submitted_applicant):
    reveal(compliance, submitted_applicant, "national_id", action="request")
    reveal_request = RevealRequest.objects.get()

    compliance.post(
        reverse(
            "staff:onboarding_applicant_approve_reveal",
            args=[submitted_applicant.reference, reveal_request.pk],
        )
    )

    reveal_request.refresh_from_db()
    assert reveal_request.approved_at is None
    assert refusal_rules("national_id") == ["own request"]


@pytest.mark.django_db
def test_expired_approval_refused(
    compliance, second_compliance, submitted_applicant, canary, settings
):
    reveal(compliance, submitted_applicant, "national_id", action="request")
    reveal_request = RevealRequest.objects.get()
    second_compliance.post(
        reverse(
            "staff:onboarding_applicant_approve_reveal",
            args=[submitted_applicant.reference, reveal_request.pk],
        )
    )
    RevealRequest.objects.update(
        approved_at=timezone.now() - datetime.timedelta(hours=2)
    )

    response = reveal(compliance, submitted_applicant, "national_id")

    assert response.status_code == 403
    assert canary.national_id not in response.content.decode()
