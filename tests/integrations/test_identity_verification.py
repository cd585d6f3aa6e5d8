"""The verification service against the stand-in provider, without a worker."""

import json
import socket

import pytest

from audit.models import AccessEvent
from integrations.exceptions import (
    IntegrationConfigurationError,
    ProviderRequestRejectedError,
    ProviderUnavailableError,
)
from integrations.identity_verification.config import (
    PUBLISHED_DEMO_KEYS,
    provider_settings,
)
from integrations.identity_verification.services import applicant_identity_verify
from integrations.models import OutboundCall
from onboarding.models import Applicant
from onboarding.services import applicant_for_user, applicant_submit
from tests.conftest import canary_wizard_data
from tests.deploy.project_files import load_compose, service_environment
from tests.integrations.standin import (
    API_KEY,
    TOKEN_KEY,
    configure_provider,
    running_standin,
)
from vault.blind_index import normalize_national_id
from vault.tokens import outbound_token

CONTRACT_FIELDS = ["date_of_birth", "national_id", "national_id_country", "reference"]


def received_payloads(server) -> list[dict]:
    return [json.loads(request.body) for request in server.received]


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_verified_applicant_recorded(identity_standin, submitted_applicant):
    call = applicant_identity_verify(reference=submitted_applicant.reference)

    submitted_applicant.refresh_from_db()
    assert submitted_applicant.status == Applicant.Status.VERIFIED
    assert submitted_applicant.verification_outcome == Applicant.Outcome.VERIFIED
    assert submitted_applicant.verified_at is not None
    assert call.status == OutboundCall.Status.ANSWERED
    assert call.outcome == "verified"
    assert call.field_names == CONTRACT_FIELDS
    decision = AccessEvent.objects.get(action=AccessEvent.Action.DECISION)
    assert decision.actor_id is None
    assert decision.detail == {
        "decision": "verified",
        "provider": "identity verification",
    }


@pytest.mark.django_db
def test_payload_carries_tokens(identity_standin, submitted_applicant, canary):
    applicant_identity_verify(reference=submitted_applicant.reference)

    [payload] = received_payloads(identity_standin)
    national_id = f"FI:{normalize_national_id(canary.national_id)}"
    assert payload == {
        "reference": submitted_applicant.reference,
        "national_id_country": "FI",
        "national_id": outbound_token(
            national_id, key=TOKEN_KEY.encode(), field="national_id"
        ),
        "date_of_birth": outbound_token(
            canary.date_of_birth, key=TOKEN_KEY.encode(), field="date_of_birth"
        ),
    }


@pytest.mark.django_db
def test_no_canary_reaches_provider(identity_standin, submitted_applicant, canary):
    applicant_identity_verify(reference=submitted_applicant.reference)

    [request] = identity_standin.received
    text = request.body + json.dumps(request.headers)
    for name, value in canary.values().items():
        assert value.lower() not in text.lower(), f"{name} reached the provider"


@pytest.mark.django_db
def test_rejected_applicant_closed(settings, submitted_applicant):
    reference = submitted_applicant.reference
    with running_standin(rejected_references={reference}) as server:
        configure_provider(settings, server.url)
        call = applicant_identity_verify(reference=reference)

    submitted_applicant.refresh_from_db()
    assert call.outcome == "rejected"
    assert submitted_applicant.status == Applicant.Status.REJECTED
    assert submitted_applicant.closed_at is not None


@pytest.mark.django_db
def test_unconfigured_provider_sends_nothing(submitted_applicant):
    assert applicant_identity_verify(reference=submitted_applicant.reference) is None
    assert not OutboundCall.objects.exists()
    submitted_applicant.refresh_from_db()
    assert submitted_applicant.status == Applicant.Status.SUBMITTED


@pytest.mark.django_db
def test_draft_applicant_not_sent(identity_standin, verified_user):
    draft = applicant_for_user(user=verified_user)

    assert applicant_identity_verify(reference=draft.reference) is None
    assert identity_standin.received == []


@pytest.mark.django_db
def test_second_run_changes_nothing(identity_standin, submitted_applicant):
    applicant_identity_verify(reference=submitted_applicant.reference)

    assert applicant_identity_verify(reference=submitted_applicant.reference) is None
    assert len(identity_standin.received) == 1
    assert AccessEvent.objects.filter(action=AccessEvent.Action.DECISION).count() == 1


@pytest.mark.django_db
def test_wrong_api_key_not_retried(identity_standin, settings, submitted_applicant):
    settings.IDENTITY_VERIFICATION_API_KEY = "TEST-ONLY-another-api-key"

    with pytest.raises(ProviderRequestRejectedError, match="HTTP 401"):
        applicant_identity_verify(reference=submitted_applicant.reference)

    call = OutboundCall.objects.get()
    assert call.status == OutboundCall.Status.REJECTED
    assert call.http_status == 401
    submitted_applicant.refresh_from_db()
    assert submitted_applicant.status == Applicant.Status.SUBMITTED


@pytest.mark.django_db
def test_unreachable_provider_retryable(settings, submitted_applicant):
    configure_provider(settings, f"http://127.0.0.1:{unused_port()}/v1/verifications")

    with pytest.raises(ProviderUnavailableError, match="could not be reached"):
        applicant_identity_verify(reference=submitted_applicant.reference)

    assert OutboundCall.objects.get().status == OutboundCall.Status.FAILED


@pytest.mark.django_db
def test_submit_queues_check_after_commit(
    identity_standin, verified_user, canary, django_capture_on_commit_callbacks
):
    applicant = applicant_for_user(user=verified_user)

    with django_capture_on_commit_callbacks() as callbacks:
        applicant_submit(applicant=applicant, data=canary_wizard_data(canary))

    assert len(callbacks) == 1


@pytest.mark.django_db
def test_submit_without_provider_queues_nothing(
    verified_user, canary, django_capture_on_commit_callbacks
):
    applicant = applicant_for_user(user=verified_user)

    with django_capture_on_commit_callbacks() as callbacks:
        applicant_submit(applicant=applicant, data=canary_wizard_data(canary))

    assert callbacks == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"IDENTITY_VERIFICATION_API_KEY": "short"}, "shorter than 16"),
        ({"IDENTITY_VERIFICATION_TOKEN_KEY": API_KEY}, "are the same"),
        ({"IDENTITY_VERIFICATION_TOKEN_KEY": "TEST-ONLY-token-key"}, "repeats a vault"),
        (
            {"DEBUG": False, "IDENTITY_VERIFICATION_URL": "http://provider.example/"},
            "must use https",
        ),
        (
            {
                "DEBUG": False,
                "IDENTITY_VERIFICATION_URL": "https://provider.example/",
                "IDENTITY_VERIFICATION_API_KEY": "local-only-identity-standin-api-key",
            },
            "published value",
        ),
    ],
)
def test_unsafe_settings_rejected(settings, changes, message):
    configure_provider(settings, "https://provider.example/v1/verifications")
    for name, value in changes.items():
        setattr(settings, name, value)

    with pytest.raises(IntegrationConfigurationError, match=message):
        provider_settings()


def test_loopback_http_allowed(settings):
    settings.DEBUG = False
    configure_provider(settings, "http://127.0.0.1:8090/v1/verifications")

    assert provider_settings().url == "http://127.0.0.1:8090/v1/verifications"


def test_published_keys_match_compose():
    compose = load_compose()
    environment = service_environment(compose["services"]["web"])

    assert {
        environment["IDENTITY_VERIFICATION_API_KEY"],
        environment["IDENTITY_VERIFICATION_TOKEN_KEY"],
    } == PUBLISHED_DEMO_KEYS
