"""An erased application still shows in the staff portal, as a tombstone."""

import pytest
from django.urls import reverse

from onboarding.models import Applicant
from onboarding.pii import APPLICANT
from onboarding.retention import holds, runner
from tests.retention import records
from vault.inventory import inventory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tombstone() -> Applicant:
    limit = records.days("RETENTION_CLOSED_DAYS")
    applicant = records.decided(Applicant.Status.REJECTED, limit + records.MARGIN)
    runner.rule_run(rule_name="closed_applications")
    return Applicant.objects.get(pk=applicant.pk)


def test_every_applicant_pii_field_nullable():
    fields = [
        Applicant._meta.get_field(entry.field)
        for entry in inventory.for_model(APPLICANT)
    ]

    assert fields
    assert [field.name for field in fields if not field.null] == []


@pytest.mark.parametrize("role", ["Support", "Compliance", "Administrator"])
def test_portal_lists_and_shows_tombstone(portal_client, tombstone, role):
    client = portal_client(role)

    listing = client.get(reverse("staff:onboarding_applicant_changelist"))
    detail = client.get(
        reverse("staff:onboarding_applicant_change", args=[tombstone.reference])
    )

    assert tombstone.status == Applicant.Status.ERASED
    assert listing.status_code == 200
    assert tombstone.reference in listing.content.decode()
    assert detail.status_code == 200
    assert detail.context["revealable_fields"] == []
    assert not detail.context["can_set_legal_hold"]


def test_tombstone_cannot_be_held(make_staff, rf, tombstone):
    with pytest.raises(holds.LegalHoldError, match="erased"):
        holds.applicant_legal_hold_set(
            actor=make_staff("Compliance"),
            applicant=tombstone,
            reason="Court order arrived after the erasure.",
            request=rf.post("/"),
        )
