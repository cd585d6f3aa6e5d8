"""A full verification: the wizard over HTTP, a real worker, the stand-in provider.

The worker runs in a thread and consumes this run's own Redis queue, so the
test data must be committed (``transaction=True``).
"""

import json
import time

import pytest

from integrations.models import OutboundCall
from onboarding.models import Applicant
from tests.database_scan import assert_nowhere
from tests.onboarding.wizard_steps import (
    STEP_FIELDS,
    STEPS,
    WIZARD,
    step_post,
)

# Seconds the test waits for the worker to record an outcome.
VERIFY_TIMEOUT = 60
POLL_INTERVAL = 0.1


def wizard_complete(client, canary) -> None:
    client.get(WIZARD)
    for step in STEPS:
        response = client.post(WIZARD, step_post(step, STEP_FIELDS[step](canary)))
    assert response.status_code == 302, "the wizard did not finish"


def wait_for_decision(applicant: Applicant) -> Applicant:
    deadline = time.monotonic() + VERIFY_TIMEOUT
    while time.monotonic() < deadline:
        applicant.refresh_from_db()
        if applicant.status != Applicant.Status.SUBMITTED:
            return applicant
        time.sleep(POLL_INTERVAL)
    msg = f"No outcome was recorded within {VERIFY_TIMEOUT} s."
    raise AssertionError(msg)


@pytest.mark.django_db(transaction=True)
def test_submit_verified_by_worker(
    celery_worker, identity_standin, signed_in_client, canary
):
    wizard_complete(signed_in_client, canary)

    applicant = wait_for_decision(Applicant.objects.get())

    assert applicant.status == Applicant.Status.VERIFIED
    assert applicant.verification_outcome == Applicant.Outcome.VERIFIED
    call = OutboundCall.objects.get()
    assert call.status == OutboundCall.Status.ANSWERED
    assert call.applicant_reference == applicant.reference
    [request] = identity_standin.received
    assert json.loads(request.body)["reference"] == applicant.reference
    for name, value in canary.values().items():
        assert value.lower() not in request.body.lower(), f"{name} was sent"
    assert_nowhere(canary.searchable_values())
