"""After the retention tasks, a canary's values are gone from every table.

The canary applicant goes through the wizard's service and a compliance
decision in the staff portal, its decision is moved back past the limit,
and every rule then runs on the real worker. The database is searched for
the values in plaintext and inside every decryptable ciphertext, because
before the rules run the values exist only as ciphertext.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from onboarding.models import Applicant
from onboarding.retention.rules import RULES
from tests.database_scan import assert_nowhere, find_values
from tests.retention import records
from tests.retention.ciphertext_scan import find_values_decrypted
from tests.retention.conftest import run_on_worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker"),
]


def decide(portal_client, applicant: Applicant, decision: str) -> None:
    officer = portal_client("Compliance")
    url = reverse("staff:onboarding_applicant_decide", args=[applicant.reference])
    response = officer.post(url, {"decision": decision})
    assert response.status_code == 302


def run_every_rule() -> None:
    for rule in RULES:
        run_on_worker(rule)


def national_id_forms(national_id: str) -> dict[str, str]:
    return {
        "national_id": national_id,
        "national_id without separator": national_id.replace("-", ""),
    }


def assert_gone(values: dict[str, str]) -> None:
    assert_nowhere(values, [*find_values(values), *find_values_decrypted(values)])


def test_national_id_gone_after_verification(
    submitted_applicant, canary, portal_client
):
    decide(portal_client, submitted_applicant, "verified")
    verified = Applicant.objects.get(pk=submitted_applicant.pk)
    assert verified.verified_at is not None
    assert find_values_decrypted(national_id_forms(canary.national_id))
    moved_back = timezone.now() - records.days("RETENTION_MINIMIZE_DAYS")
    Applicant.objects.filter(pk=verified.pk).update(
        verified_at=moved_back - datetime.timedelta(minutes=1)
    )

    run_every_rule()

    minimized = Applicant.objects.get(pk=verified.pk)
    assert minimized.national_id is None
    assert minimized.national_id_last4 == canary.national_id[-4:]
    assert minimized.national_id_index == verified.national_id_index
    assert minimized.verification_outcome == Applicant.Outcome.VERIFIED
    assert_gone(national_id_forms(canary.national_id))


def test_every_value_gone_after_erasure(submitted_applicant, canary, portal_client):
    values = {**canary.searchable_values(), **national_id_forms(canary.national_id)}
    decide(portal_client, submitted_applicant, "rejected")
    assert find_values_decrypted(values)
    Applicant.objects.filter(pk=submitted_applicant.pk).update(
        closed_at=timezone.now()
        - records.days("RETENTION_CLOSED_DAYS")
        - datetime.timedelta(minutes=1)
    )

    run_every_rule()

    tombstone = Applicant.objects.get(pk=submitted_applicant.pk)
    assert tombstone.status == Applicant.Status.ERASED
    assert tombstone.verification_outcome == Applicant.Outcome.REJECTED
    assert_gone(values)
