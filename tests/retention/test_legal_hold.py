"""Compliance sets and lifts legal holds in the staff portal, with a reason."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AccessEvent
from onboarding.models import Applicant
from onboarding.retention import holds, runner
from tests.retention import records

REASON = "Dispute about the application, keep it until it is settled."

pytestmark = pytest.mark.django_db


def hold_url(applicant: Applicant) -> str:
    return reverse("staff:onboarding_applicant_legal_hold", args=[applicant.reference])


def detail_url(applicant: Applicant) -> str:
    return reverse("staff:onboarding_applicant_change", args=[applicant.reference])


def hold_events(applicant: Applicant) -> list[AccessEvent]:
    return list(
        AccessEvent.objects.filter(
            applicant_reference=applicant.reference,
            action__in=[holds.LEGAL_HOLD_SET, holds.LEGAL_HOLD_LIFTED],
        ).order_by("id")
    )


def test_compliance_sets_and_lifts_hold(portal_client):
    applicant = records.submitted()
    officer = portal_client("Compliance")

    set_response = officer.post(hold_url(applicant), {"reason": REASON})
    held = Applicant.objects.get(pk=applicant.pk)
    lift_response = officer.post(hold_url(applicant), {"reason": REASON})
    lifted = Applicant.objects.get(pk=applicant.pk)

    assert set_response.status_code == 302
    assert held.legal_hold
    assert held.legal_hold_reason == REASON
    assert held.legal_hold_set_by == officer.staff_member
    assert lift_response.status_code == 302
    assert not lifted.legal_hold
    assert lifted.legal_hold_reason is None
    assert lifted.legal_hold_set_at is None
    events = hold_events(applicant)
    assert [event.action for event in events] == [
        holds.LEGAL_HOLD_SET,
        holds.LEGAL_HOLD_LIFTED,
    ]
    assert all(event.actor == officer.staff_member for event in events)
    assert all(event.reason == REASON for event in events)


def test_detail_page_offers_hold_to_compliance(portal_client):
    applicant = records.submitted()

    compliance_page = portal_client("Compliance").get(detail_url(applicant))
    support_page = portal_client("Support").get(detail_url(applicant))

    assert compliance_page.context["can_set_legal_hold"]
    assert hold_url(applicant) in compliance_page.content.decode()
    assert not support_page.context["can_set_legal_hold"]
    assert hold_url(applicant) not in support_page.content.decode()


@pytest.mark.parametrize("role", ["Support", "Security", "Administrator"])
def test_other_roles_cannot_set_hold(portal_client, role):
    applicant = records.submitted()

    response = portal_client(role).post(hold_url(applicant), {"reason": REASON})

    assert response.status_code == 403
    assert not Applicant.objects.get(pk=applicant.pk).legal_hold
    assert hold_events(applicant) == []


def test_short_reason_rejected(portal_client):
    applicant = records.submitted()

    response = portal_client("Compliance").post(
        hold_url(applicant), {"reason": "because"}
    )

    assert response.status_code == 400
    assert holds.REASON_TOO_SHORT in response.content.decode()
    assert not Applicant.objects.get(pk=applicant.pk).legal_hold
    assert hold_events(applicant) == []


def test_own_application_cannot_be_held(make_staff, rf):
    officer = make_staff("Compliance")
    own = records.submitted()
    Applicant.objects.filter(pk=own.pk).update(user=officer)

    with pytest.raises(PermissionDenied):
        holds.applicant_legal_hold_set(
            actor=officer,
            applicant=Applicant.objects.get(pk=own.pk),
            reason=REASON,
            request=rf.post("/"),
        )


def test_second_hold_rejected(make_staff, rf):
    officer = make_staff("Compliance")
    applicant = records.submitted()
    holds.applicant_legal_hold_set(
        actor=officer, applicant=applicant, reason=REASON, request=rf.post("/")
    )

    with pytest.raises(holds.LegalHoldError, match="already on legal hold"):
        holds.applicant_legal_hold_set(
            actor=officer, applicant=applicant, reason=REASON, request=rf.post("/")
        )


def test_hold_keeps_draft_clock(make_staff, rf):
    officer = make_staff("Compliance")
    limit = records.days("RETENTION_DRAFT_DAYS")
    draft = records.draft(limit + records.MARGIN)
    holds.applicant_legal_hold_set(
        actor=officer, applicant=draft, reason=REASON, request=rf.post("/")
    )
    held_report = runner.rule_run(rule_name="abandoned_drafts")
    holds.applicant_legal_hold_lift(
        actor=officer,
        applicant=Applicant.objects.get(pk=draft.pk),
        reason=REASON,
        request=rf.post("/"),
    )

    lifted_report = runner.rule_run(rule_name="abandoned_drafts")

    assert held_report.counts == {}
    assert lifted_report.counts["onboarding.Applicant"] == 1
    assert not records.exists_applicant(draft.pk)
