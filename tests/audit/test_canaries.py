"""A full onboarding and staff session leave no canary value in the audit.

The applicant signs up, confirms the address, fails a sign-in once, signs
in and completes the wizard. Staff search, view, reveal with four eyes,
decide, export, set and lift a legal hold, enter a wrong step-up code,
resend a link, and fail to sign in with the applicant's address until
locked out. A retention rule runs. A security analyst reads and exports
both viewers and reads a reveal's reason. Then the test searches for every
canary value in the JSON of every row of every audit table, the decrypted
reveal reasons, the viewers' pages and exports, and the audit log lines.
"""

import logging
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessEvent, RevealSuspension
from audit.services import security_event_record
from audit.triage import reveal_right_suspend
from audit.verification import verify_all
from onboarding.models import Applicant, RevealRequest, User
from onboarding.retention import runner
from tests.audit.conftest import AUDIT_TABLES
from tests.onboarding.wizard_steps import WIZARD, contact, identity, national_id, review

REASON = "Confirming the details the applicant gave on the phone call."
LINK = re.compile(r"https?://\S+(/verify/[\w-]+/)")


def canary_values(canary) -> dict[str, str]:
    # The display form of the phone number and the date of birth are
    # searched too. No audit row contains a date from 1970 to 1997, and the
    # display form would reveal a search term stored as typed.
    return {
        **canary.searchable_values(),
        "phone as typed": canary.phone,
        "date_of_birth": canary.date_of_birth,
    }


def audit_table_text() -> dict[str, str]:
    """Return the JSON of every row of each audit table, one text per table."""
    texts = {}
    with connection.cursor() as cursor:
        for table in AUDIT_TABLES:
            cursor.execute(
                f"SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') "  # noqa: S608
                f'FROM "{table}" t'
            )
            texts[table] = cursor.fetchone()[0]
    return texts


def applicant_onboarding(canary, outbox) -> Client:
    client = Client()
    client.post(
        reverse("onboarding:sign-up"),
        {
            "email": canary.email,
            "password1": canary.password,
            "password2": canary.password,
        },
    )
    verify_path = LINK.search(outbox[-1].body).group(1)
    client.post(verify_path, {"password": canary.password})
    sign_in = reverse("onboarding:sign-in")
    client.post(sign_in, {"username": canary.email, "password": "not-the-password"})
    assert (
        client.post(
            sign_in, {"username": canary.email, "password": canary.password}
        ).status_code
        == 302
    )
    for step in (identity(canary), contact(canary), national_id(canary), review()):
        client.post(WIZARD, step)
    assert Applicant.objects.get().status == Applicant.Status.SUBMITTED
    return client


def staff_session(portal_client, canary, settings) -> list[str]:
    """Act as staff on the canary's application; return the pages and exports."""
    applicant = Applicant.objects.get()
    compliance, second = portal_client("Compliance"), portal_client("Compliance")
    changelist = reverse("staff:onboarding_applicant_changelist")
    detail = reverse("staff:onboarding_applicant_change", args=[applicant.reference])

    def reveal(client, field, action="reveal"):
        url = reverse(
            "staff:onboarding_applicant_reveal", args=[applicant.reference, field]
        )
        return client.post(url, {"reason": REASON, "action": action})

    compliance.get(changelist)
    for term in (canary.email, canary.phone, canary.legal_name):
        compliance.get(changelist, {"q": term})
    compliance.get(detail)
    reveal(compliance, "phone")
    reveal(compliance, "legal_name")
    reveal(compliance, "national_id", action="request")
    second.post(
        reverse(
            "staff:onboarding_applicant_approve_reveal",
            args=[applicant.reference, RevealRequest.objects.get().pk],
        )
    )
    reveal(compliance, "national_id")
    compliance.post(
        changelist,
        {"action": "export_masked_csv", "_selected_action": [applicant.reference]},
    )
    compliance.post(
        reverse("staff:onboarding_applicant_decide", args=[applicant.reference]),
        {"decision": "verified"},
    )
    legal_hold = reverse(
        "staff:onboarding_applicant_legal_hold", args=[applicant.reference]
    )
    compliance.post(legal_hold, {"reason": REASON})
    compliance.post(legal_hold, {"reason": REASON})
    device = TOTPDevice.objects.filter(user=compliance.staff_member).get()
    compliance.post(
        reverse("staff:step_up"),
        {"otp_device": device.persistent_id, "otp_token": "000000"},
    )
    runner.rule_run(rule_name="expired_sessions")
    portal_client("Support").post(
        reverse(
            "staff:onboarding_applicant_resend_verification", args=[applicant.reference]
        )
    )
    attacker = Client()
    for number in range(settings.AXES_FAILURE_LIMIT + 1):
        attacker.post(
            reverse("staff:login"),
            {"username": canary.email, "password": f"guess-{number}"},
        )
    return security_reading(portal_client("Security"))


def security_reading(security) -> list[str]:
    pages = []
    for model in ("accessevent", "changeentry"):
        pages.append(
            security.get(reverse(f"staff:audit_{model}_changelist")).content.decode()
        )
        export = security.get(reverse(f"staff:audit_{model}_export"))
        pages.append(b"".join(export.streaming_content).decode())
    reveal_event = AccessEvent.objects.filter(action=AccessEvent.Action.REVEAL).first()
    pages.append(
        security.get(
            reverse("staff:audit_accessevent_change", args=[reveal_event.pk])
        ).content.decode()
    )
    pages.append(
        security.post(
            reverse("staff:audit_accessevent_reason", args=[reveal_event.pk])
        ).content.decode()
    )
    pages.extend(security_triage(security, reveal_event))
    return pages


def security_triage(security, reveal_event: AccessEvent) -> list[str]:
    """Acknowledge an event and restore a reveal right on the dashboard."""
    event = security_event_record(severity="high", rule="journey check")
    reveal_right_suspend(user_id=reveal_event.actor_id, security_event=event)
    dashboard = reverse("staff:audit_securityevent_changelist")
    security.post(dashboard, {"action": "acknowledge", "_selected_action": [event.pk]})
    suspensions = reverse("staff:audit_revealsuspension_changelist")
    security.post(
        suspensions,
        {
            "action": "restore",
            "_selected_action": [RevealSuspension.objects.get().pk],
        },
    )
    return [
        security.get(dashboard).content.decode(),
        security.get(suspensions).content.decode(),
    ]


@pytest.mark.django_db
def test_no_canary_in_audit_trail(portal_client, canary, outbox, settings, caplog):
    caplog.set_level(logging.DEBUG, logger="audit")
    applicant_client = applicant_onboarding(canary, outbox)
    user = User.objects.get(email_index=Applicant.objects.get().user.email_index)
    user.set_password(f"{canary.password}-changed")
    user.save()
    pages = staff_session(portal_client, canary, settings)
    applicant_client.post(reverse("onboarding:sign-out"))

    values = {**canary_values(canary), "new password": f"{canary.password}-changed"}
    actions = set(AccessEvent.objects.values_list("action", flat=True))
    assert actions >= {choice.value for choice in AccessEvent.Action} - {"audit_purge"}
    for table, text in audit_table_text().items():
        for name, value in values.items():
            assert value.lower() not in text.lower(), f"the {name} is in {table}"
    reasons = " ".join(AccessEvent.objects.values_list("reason", flat=True))
    for name, value in values.items():
        assert value.lower() not in reasons.lower(), f"the {name} is in a reason"
        for page in pages:
            assert value.lower() not in page.lower(), f"the {name} is in a viewer page"
        assert value.lower() not in caplog.text.lower(), f"the {name} is in a log line"
    for report in verify_all():
        assert report.intact, report.describe()
