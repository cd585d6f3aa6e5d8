"""The outbound gate: every payload for an outside service is checked here.

Each integration declares a ``DataContract``: the fields it may send and the
form each must take. ``outbound_post`` checks a payload against its contract,
serializes it, and only then opens a connection, so a payload outside the
contract never leaves the process. Integrations therefore call
``outbound_post`` and never an HTTP library of their own.

A refused payload raises ``OutboundPayloadRefusedError`` after sending the
``vault.signals.outbound_payload_refused`` signal. Both name fields and
problems only, never a value, so a receiver can record a security event
without the vault importing the audit app. A receiver that writes to the
database inside the caller's transaction loses its row when that
transaction rolls back, so callers check payloads outside of one.
"""

import enum
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from vault.detector import pii_kinds
from vault.exceptions import VaultError
from vault.signals import outbound_payload_refused
from vault.tokens import is_outbound_token

logger = logging.getLogger(__name__)

# A field name that is not in the contract is reported only when it looks
# like an identifier, because a key can itself carry a personal value.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
WITHHELD_FIELD_NAME = "<withheld field name>"
_SCALARS = (str, int, float, bool)
# A response is read up to this many bytes, so a broken or hostile service
# cannot exhaust the worker's memory.
MAX_RESPONSE_BYTES = 64 * 1024


class FieldForm(enum.StrEnum):
    """The form in which a contract lets a field leave the process."""

    # A value that is not personal, such as a public reference or a country
    # code. The PII detector must find nothing in it.
    PLAIN = "plain"
    # A list or a mapping, such as references or counts by name, whose keys
    # and values are all plain in the sense above, at any depth.
    PLAIN_NESTED = "plain, nested"
    # A personal value replaced by vault.tokens.outbound_token.
    TOKEN = "token"  # noqa: S105 - a form name, not a secret
    # A personal value the recipient needs as it is. Declaring one is a
    # decision to document in the integration's data contract.
    PERSONAL = "personal"


class Problem(enum.StrEnum):
    NOT_IN_CONTRACT = "not in the contract"
    MISSING = "missing"
    NOT_A_TOKEN = "not a token"  # noqa: S105 - a problem, not a secret
    PERSONAL_DATA = "personal data in a plain field"
    NOT_A_SCALAR = "not a string, number, boolean or null"


@dataclass(frozen=True)
class DataContract:
    """The fields one integration may send, each with its form."""

    integration: str
    fields: Mapping[str, FieldForm]

    def problems(self, payload: Mapping[Any, Any]) -> list[tuple[str, str]]:
        """Return (field name, problem) pairs, empty when the payload conforms."""
        found = [
            (_reported_name(name), Problem.NOT_IN_CONTRACT.value)
            for name in payload
            if name not in self.fields
        ]
        for name, form in self.fields.items():
            if name not in payload:
                found.append((name, Problem.MISSING.value))
                continue
            problem = _value_problem(payload[name], form)
            if problem:
                found.append((name, problem))
        return sorted(found)


class OutboundPayloadRefusedError(VaultError):
    """A payload for an outside service does not match its data contract."""

    def __init__(self, *, integration: str, problems: list[tuple[str, str]]) -> None:
        self.integration = integration
        self.problems = problems
        listed = "; ".join(f"{name}: {problem}" for name, problem in problems)
        super().__init__(
            f"The payload for {integration} does not match its data contract "
            f"({listed}), so nothing was sent. Change the payload or the "
            "integration's DataContract."
        )


class OutboundTransportError(VaultError):
    """A checked payload could not be delivered: a timeout or a failed connection."""

    def __init__(self, *, integration: str, timed_out: bool) -> None:
        self.timed_out = timed_out
        problem = "timed out" if timed_out else "could not be reached"
        super().__init__(
            f"{integration} {problem}; check its URL setting and try again later."
        )


class OutboundResponseTooLargeError(VaultError):
    """An outside service sent a response of more than MAX_RESPONSE_BYTES."""


@dataclass(frozen=True)
class OutboundResponse:
    """An outside service's response: its HTTP status and at most MAX_RESPONSE_BYTES."""

    status: int
    body: bytes


def payload_check(contract: DataContract, payload: Mapping[Any, Any]) -> None:
    """Raise OutboundPayloadRefusedError unless ``payload`` matches ``contract``.

    Before raising, log a warning and send ``outbound_payload_refused``.
    """
    problems = contract.problems(payload)
    if not problems:
        return
    logger.warning(
        "Outbound payload for %s refused: %s",
        contract.integration,
        ", ".join(f"{name} ({problem})" for name, problem in problems),
    )
    outbound_payload_refused.send(
        sender=DataContract, integration=contract.integration, problems=problems
    )
    raise OutboundPayloadRefusedError(
        integration=contract.integration, problems=problems
    )


def outbound_post(
    contract: DataContract,
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float,
    sign: Callable[[bytes], Mapping[str, str]] | None = None,
) -> OutboundResponse:
    """Check ``payload`` against ``contract``, then POST it to ``url`` as JSON.

    ``sign`` receives the exact body bytes and returns headers to add, such
    as a signature. Redirects are not followed, because a redirect would send
    the body to an address the integration did not choose. Raises
    OutboundPayloadRefusedError before connecting, OutboundTransportError
    when the request times out or the connection fails, and
    OutboundResponseTooLargeError when the response exceeds
    MAX_RESPONSE_BYTES.
    """
    payload_check(contract, payload)
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {"Content-Type": "application/json", **(sign(body) if sign else {})}
    logger.info(
        "Sending %s fields to %s", ", ".join(sorted(payload)), contract.integration
    )
    try:
        with requests.post(
            url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            answer = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
            status = response.status_code
    except requests.Timeout as error:
        raise OutboundTransportError(
            integration=contract.integration, timed_out=True
        ) from error
    except requests.ConnectionError as error:
        raise OutboundTransportError(
            integration=contract.integration, timed_out=False
        ) from error
    if len(answer) > MAX_RESPONSE_BYTES:
        msg = (
            f"{contract.integration} sent a response of more than "
            f"{MAX_RESPONSE_BYTES} bytes, so it was discarded."
        )
        raise OutboundResponseTooLargeError(msg)
    return OutboundResponse(status=status, body=answer)


def _value_problem(value: Any, form: FieldForm) -> str:
    if form == FieldForm.PLAIN_NESTED:
        if not isinstance(value, list | dict):
            return _value_problem(value, FieldForm.PLAIN)
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        problems = (_value_problem(item, form) for item in items)
        return next((problem for problem in problems if problem), "")
    if value is not None and not isinstance(value, _SCALARS):
        return Problem.NOT_A_SCALAR.value
    if form == FieldForm.TOKEN and not is_outbound_token(value):
        return Problem.NOT_A_TOKEN.value
    if form == FieldForm.PLAIN:
        kinds = sorted(pii_kinds(value))
        if kinds:
            return f"{Problem.PERSONAL_DATA.value} ({', '.join(kinds)})"
    return ""


def _reported_name(name: object) -> str:
    if isinstance(name, str) and _FIELD_NAME.fullmatch(name) and not pii_kinds(name):
        return name
    return WITHHELD_FIELD_NAME
