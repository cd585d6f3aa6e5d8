"""Send one verification request to the provider and read its response.

The request goes through vault.outbound, which checks it against CONTRACT
before a byte leaves. Nothing here logs a payload or a response body.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus

from integrations.exceptions import (
    ProviderRequestRejectedError,
    ProviderResponseInvalidError,
    ProviderUnavailableError,
)
from integrations.identity_verification.config import ProviderSettings
from integrations.identity_verification.contract import CONTRACT, INTEGRATION, OUTCOMES
from integrations.identity_verification.signing import (
    SIGNATURE_HEADER,
    signature_header,
)
from vault.outbound import (
    OutboundResponse,
    OutboundResponseTooLargeError,
    OutboundTransportError,
    outbound_post,
)


@dataclass(frozen=True)
class ProviderAnswer:
    status: int
    outcome: str


def identity_check(
    payload: Mapping[str, str], *, provider: ProviderSettings
) -> ProviderAnswer:
    """Send ``payload`` to the provider and return its outcome.

    Raises vault.outbound.OutboundPayloadRefusedError when the payload does
    not match CONTRACT, ProviderUnavailableError when the call may succeed
    later, ProviderRequestRejectedError on any other 4xx response, and
    ProviderResponseInvalidError on a 200 response that is not the agreed one.
    """
    try:
        response = outbound_post(
            CONTRACT,
            provider.url,
            payload,
            timeout=provider.timeout,
            sign=partial(_signature_headers, api_key=provider.api_key),
        )
    except OutboundTransportError as error:
        raise ProviderUnavailableError(str(error)) from error
    except OutboundResponseTooLargeError as error:
        raise ProviderResponseInvalidError(str(error)) from error

    status = response.status
    if (
        status == HTTPStatus.TOO_MANY_REQUESTS
        or status >= HTTPStatus.INTERNAL_SERVER_ERROR
    ):
        msg = f"{INTEGRATION} answered HTTP {status}; the call is retried later."
        raise ProviderUnavailableError(msg)
    if status != HTTPStatus.OK:
        raise ProviderRequestRejectedError(integration=INTEGRATION, status=status)
    return _answer(response, reference=payload["reference"])


def _signature_headers(body: bytes, *, api_key: str) -> dict[str, str]:
    return {SIGNATURE_HEADER: signature_header(body, api_key=api_key)}


def _answer(response: OutboundResponse, *, reference: str) -> ProviderAnswer:
    try:
        body = json.loads(response.body)
    except ValueError as error:
        msg = f"{INTEGRATION} answered 200 with a body that is not JSON."
        raise ProviderResponseInvalidError(msg) from error
    if not isinstance(body, dict) or body.get("reference") != reference:
        msg = f"{INTEGRATION} answered for another reference than {reference}."
        raise ProviderResponseInvalidError(msg)
    outcome = body.get("outcome")
    if outcome not in OUTCOMES:
        msg = f"{INTEGRATION} answered with an unknown outcome for {reference}."
        raise ProviderResponseInvalidError(msg)
    return ProviderAnswer(status=response.status, outcome=outcome)
