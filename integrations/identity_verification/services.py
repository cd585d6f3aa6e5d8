"""Verify a submitted applicant's identity with the provider and record the outcome."""

import logging

from integrations.exceptions import (
    IntegrationError,
    ProviderRequestRejectedError,
)
from integrations.identity_verification.client import identity_check
from integrations.identity_verification.config import (
    ProviderSettings,
    provider_settings,
)
from integrations.identity_verification.contract import INTEGRATION
from integrations.models import OutboundCall
from onboarding import services as onboarding_services
from onboarding.models import Applicant
from vault.blind_index import normalize_national_id
from vault.outbound import OutboundPayloadRefusedError
from vault.tokens import outbound_token

logger = logging.getLogger(__name__)


def applicant_identity_verify(*, reference: str) -> OutboundCall | None:
    """Ask the provider about the applicant ``reference`` and store its outcome.

    Returns the call's log row, or None when no provider is configured or
    the application is no longer submitted. Every attempt that reaches the
    gate is logged in OutboundCall, and the exceptions of
    ``client.identity_check`` propagate after that, so a task can decide on
    a retry. The gate check runs outside any transaction, so the security
    event of a refused payload is kept.
    """
    provider = provider_settings()
    if provider is None:
        logger.info("No identity provider configured; %s is left for staff", reference)
        return None
    applicant = Applicant.objects.get(pk=reference)
    if applicant.status != Applicant.Status.SUBMITTED:
        logger.info(
            "Identity of %s not checked: the application is %s",
            reference,
            applicant.status,
        )
        return None

    payload = verification_payload(applicant, provider=provider)
    try:
        answer = identity_check(payload, provider=provider)
    except OutboundPayloadRefusedError as error:
        _call_record(
            reference,
            OutboundCall.Status.REFUSED,
            field_names=[name for name, _problem in error.problems],
        )
        raise
    except ProviderRequestRejectedError as error:
        _call_record(
            reference,
            OutboundCall.Status.REJECTED,
            field_names=sorted(payload),
            http_status=error.status,
        )
        raise
    except IntegrationError:
        _call_record(reference, OutboundCall.Status.FAILED, field_names=sorted(payload))
        raise

    call = _call_record(
        reference,
        OutboundCall.Status.ANSWERED,
        field_names=sorted(payload),
        http_status=answer.status,
        outcome=answer.outcome,
    )
    onboarding_services.applicant_verification_record(
        reference=reference, outcome=answer.outcome, provider=INTEGRATION
    )
    return call


def verification_payload(
    applicant: Applicant, *, provider: ProviderSettings
) -> dict[str, str]:
    """Return the request for ``applicant``, its personal values as tokens."""
    country = applicant.national_id_country.upper()
    national_id = f"{country}:{normalize_national_id(applicant.national_id or '')}"
    birth_date = applicant.date_of_birth.isoformat() if applicant.date_of_birth else ""
    return {
        "reference": applicant.reference,
        "national_id_country": country,
        "national_id": outbound_token(
            national_id, key=provider.token_key, field="national_id"
        ),
        "date_of_birth": outbound_token(
            birth_date, key=provider.token_key, field="date_of_birth"
        ),
    }


def _call_record(
    reference: str,
    status: str,
    *,
    field_names: list[str],
    http_status: int | None = None,
    outcome: str = "",
) -> OutboundCall:
    return OutboundCall.objects.create(
        integration=INTEGRATION,
        applicant_reference=reference,
        status=status,
        field_names=field_names,
        http_status=http_status,
        outcome=outcome,
    )
