"""Every audited action writes exactly one access event with its fields.

Staff actions go through the portal over HTTP, as a staff member makes
them; sign-in events come from the sign-in pages and the libraries'
signals. Each entry carries the request's correlation id, the client's
/24 network and a link of the chain.
"""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessEvent
from onboarding.models import RevealRequest, User
from tests.audit.conftest import entries_after, last_id

pytestmark = pytest.mark.django_db

REASON = "The applicant called and asked us to confirm the number we hold."
SIGN_IN = reverse("onboarding:sign-in")
STAFF_LOGIN = reverse("staff:login")


def only_new_event(after: int, action: str) -> AccessEvent:
    """Return the one event of ``action`` written after id ``after``."""
    events = [
        event for event in entries_after(AccessEvent, after) if event.action == action
    ]
    assert len(events) == 1, f"{len(events)} {action} events instead of one"
    return events[0]


def assert_request_fields(event: AccessEvent, response) -> None:
    assert event.request_id == response["X-Request-ID"]
    assert event.client_network == "127.0.0.0/24"
    assert event.chain_hash


def detail_url(applicant) -> str:
    return reverse("staff:onboarding_applicant_change", args=[applicant.reference])


def reveal_url(applicant, field: str) -> str:
    return reverse(
        "staff:onboarding_applicant_reveal", args=[applicant.reference, field]
    )


@pytest.fixture
def compliance(portal_client):
    return portal_client("Compliance")


def test_detail_view(compliance, submitted_applicant):
    mark = last_id(AccessEvent)

    response = compliance.get(detail_url(submitted_applicant))

    event = only_new_event(mark, AccessEvent.Action.VIEW)
    assert event.actor == compliance.staff_member
    assert event.applicant_reference == submitted_applicant.reference
    assert event.outcome == AccessEvent.Outcome.ALLOWED
    assert_request_fields(event, response)


def test_search(compliance, submitted_applicant, canary):
    mark = last_id(AccessEvent)

    response = compliance.get(
        reverse("staff:onboarding_applicant_changelist"), {"q": canary.email}
    )

    event = only_new_event(mark, AccessEvent.Action.SEARCH)
    assert event.actor == compliance.staff_member
    assert event.detail == {"kind": "email"}
    assert_request_fields(event, response)


def test_reveal(compliance, submitted_applicant):
    mark = last_id(AccessEvent)

    response = compliance.post(
        reveal_url(submitted_applicant, "phone"), {"reason": REASON, "action": "reveal"}
    )

    event = only_new_event(mark, AccessEvent.Action.REVEAL)
    assert event.field == "phone"
    assert event.reason == REASON
    assert event.applicant_reference == submitted_applicant.reference
    assert_request_fields(event, response)


def test_refused_reveal(portal_client, submitted_applicant):
    support = portal_client("Support")
    mark = last_id(AccessEvent)

    support.post(
        reveal_url(submitted_applicant, "phone"), {"reason": REASON, "action": "reveal"}
    )

    event = only_new_event(mark, AccessEvent.Action.REVEAL)
    assert event.outcome == AccessEvent.Outcome.DENIED
    assert event.detail == {"rule": "permission"}


def test_reveal_request_and_approval(compliance, portal_client, submitted_applicant):
    second = portal_client("Compliance")
    mark = last_id(AccessEvent)

    compliance.post(
        reveal_url(submitted_applicant, "national_id"),
        {"reason": REASON, "action": "request"},
    )
    request = only_new_event(mark, AccessEvent.Action.REVEAL_REQUEST)
    reveal_request = RevealRequest.objects.get()
    mark = last_id(AccessEvent)
    response = second.post(
        reverse(
            "staff:onboarding_applicant_approve_reveal",
            args=[submitted_applicant.reference, reveal_request.pk],
        )
    )

    approval = only_new_event(mark, AccessEvent.Action.REVEAL_APPROVAL)
    assert request.actor == compliance.staff_member
    assert request.detail == {"reveal_request": reveal_request.pk}
    assert approval.actor == second.staff_member
    assert approval.field == "national_id"
    assert_request_fields(approval, response)


def test_decision(compliance, submitted_applicant):
    mark = last_id(AccessEvent)

    response = compliance.post(
        reverse(
            "staff:onboarding_applicant_decide", args=[submitted_applicant.reference]
        ),
        {"decision": "verified"},
    )

    event = only_new_event(mark, AccessEvent.Action.DECISION)
    assert event.detail == {"decision": "verified"}
    assert_request_fields(event, response)


def test_applicant_export(compliance, submitted_applicant):
    mark = last_id(AccessEvent)

    response = compliance.post(
        reverse("staff:onboarding_applicant_changelist"),
        {
            "action": "export_masked_csv",
            "_selected_action": [submitted_applicant.reference],
        },
    )

    event = only_new_event(mark, AccessEvent.Action.EXPORT)
    assert event.detail == {
        "rows": 1,
        "format": "csv, masked",
        "references": [submitted_applicant.reference],
    }
    assert_request_fields(event, response)


def test_verification_resend(portal_client, submitted_applicant):
    support = portal_client("Support")
    mark = last_id(AccessEvent)

    support.post(
        reverse(
            "staff:onboarding_applicant_resend_verification",
            args=[submitted_applicant.reference],
        )
    )

    event = only_new_event(mark, AccessEvent.Action.RESEND_VERIFICATION)
    assert event.actor == support.staff_member
    assert event.detail == {"sent": False}


def test_audit_export(portal_client, staff_user):
    security = portal_client("Security")
    mark = last_id(AccessEvent)

    response = security.get(reverse("staff:audit_accessevent_export"))
    b"".join(response.streaming_content)

    event = only_new_event(mark, AccessEvent.Action.EXPORT)
    rows = AccessEvent.objects.filter(id__lte=mark).count()
    assert event.actor == security.staff_member
    assert event.detail == {"table": "audit_accessevent", "rows": rows, "format": "csv"}
    assert_request_fields(event, response)


def test_sign_in(client, verified_user, canary):
    mark = last_id(AccessEvent)

    response = client.post(
        SIGN_IN, {"username": canary.email, "password": canary.password}
    )

    event = only_new_event(mark, AccessEvent.Action.SIGN_IN)
    assert event.actor == verified_user
    assert_request_fields(event, response)


def test_failed_sign_in_names_account_by_index(client, verified_user, canary):
    mark = last_id(AccessEvent)

    response = client.post(
        SIGN_IN, {"username": canary.email.upper(), "password": "wrong-password-1"}
    )

    event = only_new_event(mark, AccessEvent.Action.SIGN_IN_FAILED)
    assert event.actor is None
    assert event.outcome == AccessEvent.Outcome.DENIED
    assert event.detail == {"account_index": verified_user.email_index}
    assert_request_fields(event, response)


def test_failed_sign_in_unknown_account(client, db):
    mark = last_id(AccessEvent)

    client.post(
        STAFF_LOGIN, {"username": "nobody.here@example.com", "password": "wrong-1"}
    )

    event = only_new_event(mark, AccessEvent.Action.SIGN_IN_FAILED)
    assert event.actor is None
    assert set(event.detail) == {"account_index"}
    assert "nobody" not in str(event.detail)


def test_lockout(client, staff_user, settings):
    mark = last_id(AccessEvent)

    for number in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            STAFF_LOGIN,
            {"username": "staff.member@example.com", "password": "wrong-password"},
            REMOTE_ADDR=f"198.51.100.{number + 1}",
        )

    event = only_new_event(mark, AccessEvent.Action.LOCKOUT)
    failures = [
        entry
        for entry in entries_after(AccessEvent, mark)
        if entry.action == AccessEvent.Action.SIGN_IN_FAILED
    ]
    assert len(failures) == settings.AXES_FAILURE_LIMIT
    assert event.detail == {"account_index": staff_user.email_index}
    assert event.client_network == "198.51.100.0/24"
    assert event.request_id == response["X-Request-ID"]


def assert_wrong_code_recorded(mark: int, user, step: str) -> None:
    event = only_new_event(mark, AccessEvent.Action.OTP_FAILED)
    assert event.actor_id == user.pk
    assert event.outcome == AccessEvent.Outcome.DENIED
    assert event.detail == {"step": step}


def test_wrong_code_at_sign_in(
    password_only_staff_client, staff_user, staff_totp_device
):
    mark = last_id(AccessEvent)

    response = password_only_staff_client.post(
        reverse("staff:two_factor"),
        {"otp_device": staff_totp_device.persistent_id, "otp_token": "000000"},
    )

    assert response.status_code == 200
    assert_wrong_code_recorded(mark, staff_user, "sign_in")


def test_wrong_code_at_step_up(staff_client, staff_user, staff_totp_device):
    mark = last_id(AccessEvent)

    response = staff_client.post(
        reverse("staff:step_up"),
        {"otp_device": staff_totp_device.persistent_id, "otp_token": "000000"},
    )

    assert response.status_code == 200
    assert_wrong_code_recorded(mark, staff_user, "step_up")


def test_wrong_enrolment_code(client, staff_user):
    client.force_login(staff_user)
    client.get(reverse("staff:two_factor_enrol"))
    mark = last_id(AccessEvent)

    client.post(reverse("staff:two_factor_enrol"), {"otp_token": "000000"})

    assert_wrong_code_recorded(mark, staff_user, "enrol")


def test_otp_enrolment_once(staff_user):
    device = TOTPDevice.objects.create(user=staff_user, name="app", confirmed=False)
    mark = last_id(AccessEvent)

    device.confirmed = True
    device.save(update_fields=["confirmed"])
    device.last_t = 1
    device.save()
    TOTPDevice.objects.get(pk=device.pk).save()

    event = only_new_event(mark, AccessEvent.Action.OTP_ENROLLED)
    assert event.actor == staff_user
    assert event.detail == {"device": "totp", "device_id": device.pk}


def test_confirmed_device_created(staff_user):
    mark = last_id(AccessEvent)

    TOTPDevice.objects.create(user=staff_user, name="app", confirmed=True)

    only_new_event(mark, AccessEvent.Action.OTP_ENROLLED)


def test_password_change_once(verified_user):
    mark = last_id(AccessEvent)

    user = User.objects.get(pk=verified_user.pk)
    user.set_password("a-new-password-for-tests")
    user.save()
    user.last_login = timezone.now()
    user.save()

    event = only_new_event(mark, AccessEvent.Action.PASSWORD_CHANGED)
    assert event.actor == verified_user
    assert event.detail == {"user": str(verified_user.pk)}


def test_new_account_is_no_password_change(db, outbox):
    mark = last_id(AccessEvent)

    User.objects.create_user("new.account@example.com", "a-password-for-tests")

    assert not [
        event
        for event in entries_after(AccessEvent, mark)
        if event.action == AccessEvent.Action.PASSWORD_CHANGED
    ]
