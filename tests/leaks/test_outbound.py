"""The outbound gate: a payload outside its contract never reaches the provider."""

import ast
import logging

import pytest
from django.conf import settings

from audit.models import SecurityEvent
from integrations.identity_verification import services as verification_services
from integrations.identity_verification.client import identity_check
from integrations.identity_verification.config import provider_settings
from integrations.identity_verification.contract import CONTRACT, INTEGRATION
from integrations.identity_verification.services import (
    applicant_identity_verify,
    verification_payload,
)
from integrations.models import OutboundCall
from integrations.receivers import OUTBOUND_PAYLOAD_REFUSED
from tests.integrations.standin import identity_standin  # noqa: F401
from vault.outbound import (
    WITHHELD_FIELD_NAME,
    DataContract,
    FieldForm,
    OutboundPayloadRefusedError,
    payload_check,
)

# Modules that send HTTP requests. Only the gate may import them, so no
# integration can reach an outside service around it.
HTTP_CLIENT_MODULES = {
    "requests",
    "httpx",
    "urllib3",
    "aiohttp",
    "urllib.request",
    "http.client",
}
GATE_MODULE = "vault/outbound.py"
PROJECT_PACKAGES = (
    "config",
    "onboarding",
    "vault",
    "audit",
    "detection",
    "integrations",
)


@pytest.fixture
def contract_payload(identity_standin, submitted_applicant) -> dict:  # noqa: F811
    return verification_payload(submitted_applicant, provider=provider_settings())


def refusal_events() -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(rule=OUTBOUND_PAYLOAD_REFUSED))


def assert_no_canary(text: str, canary) -> None:
    for name, value in canary.values().items():
        assert value.lower() not in text.lower(), f"{name} appears"


@pytest.mark.django_db
def test_one_field_more_refused(
    identity_standin,  # noqa: F811
    contract_payload,
    canary,
    caplog,
):
    payload = {**contract_payload, "phone": canary.phone_e164}

    with caplog.at_level(logging.INFO):
        with pytest.raises(
            OutboundPayloadRefusedError, match="phone: not in the contract"
        ) as refused:
            identity_check(payload, provider=provider_settings())

    assert identity_standin.received == []
    [event] = refusal_events()
    assert event.severity == SecurityEvent.Severity.CRITICAL
    assert event.detail == {
        "integration": INTEGRATION,
        "fields": [{"field": "phone", "problem": "not in the contract"}],
    }
    assert_no_canary(str(refused.value), canary)
    assert_no_canary(caplog.text, canary)


@pytest.mark.django_db
def test_contract_payload_delivered(identity_standin, contract_payload):  # noqa: F811
    identity_check(contract_payload, provider=provider_settings())

    assert len(identity_standin.received) == 1
    assert refusal_events() == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"national_id": "131052-930V"}, ("national_id", "not a token")),
        ({"date_of_birth": "1990-01-31"}, ("date_of_birth", "not a token")),
        ({"national_id": None}, ("national_id", "not a token")),
        (
            {"reference": "canary.0000@example.com"},
            ("reference", "personal data in a plain field (email)"),
        ),
        (
            {"national_id_country": {"nested": "value"}},
            ("national_id_country", "not a string, number, boolean or null"),
        ),
        (
            {"canary.0000@example.com": "extra"},
            (WITHHELD_FIELD_NAME, "not in the contract"),
        ),
        ({"with space": "extra"}, (WITHHELD_FIELD_NAME, "not in the contract")),
    ],
)
@pytest.mark.django_db
def test_payload_outside_contract_refused(
    identity_standin,  # noqa: F811
    contract_payload,
    change,
    problem,
):
    payload = {**contract_payload, **change}

    with pytest.raises(OutboundPayloadRefusedError) as refused:
        identity_check(payload, provider=provider_settings())

    assert refused.value.problems == [problem]
    assert identity_standin.received == []
    [event] = refusal_events()
    assert event.detail["fields"] == [{"field": problem[0], "problem": problem[1]}]
    assert "canary.0000@example.com" not in str(event.detail)


@pytest.mark.django_db
def test_missing_field_refused(identity_standin, contract_payload):  # noqa: F811
    del contract_payload["date_of_birth"]

    with pytest.raises(OutboundPayloadRefusedError, match="date_of_birth: missing"):
        identity_check(contract_payload, provider=provider_settings())

    assert identity_standin.received == []


@pytest.mark.django_db
def test_refusal_logged_in_call_log(
    identity_standin,  # noqa: F811
    submitted_applicant,
    canary,
    monkeypatch,
):
    # A developer who adds a field to the payload but not to the contract.
    original = verification_services.verification_payload

    def payload_with_email(applicant, *, provider):
        return {**original(applicant, provider=provider), "email": canary.email}

    monkeypatch.setattr(
        verification_services, "verification_payload", payload_with_email
    )

    with pytest.raises(OutboundPayloadRefusedError):
        applicant_identity_verify(reference=submitted_applicant.reference)

    call = OutboundCall.objects.get()
    assert call.status == OutboundCall.Status.REFUSED
    assert call.field_names == ["email"]
    assert identity_standin.received == []
    assert len(refusal_events()) == 1


def test_personal_form_lets_value_pass():
    contract = DataContract(integration="example", fields={"name": FieldForm.PERSONAL})

    payload_check(contract, {"name": "canary.0000@example.com"})


NESTED_CONTRACT = DataContract(
    integration="test", fields={"detail": FieldForm.PLAIN_NESTED}
)


def test_nested_plain_values_pass():
    payload_check(
        NESTED_CONTRACT, {"detail": {"parameters": ["phone"], "rows": 2, "ok": None}}
    )


@pytest.mark.parametrize(
    "detail",
    [
        {"parameters": ["canary.0000@example.com"]},
        {"canary.0000@example.com": 1},
        ["APL-AAAA-AAAA-AAAA", {"phone": "+44 20 7946 0123"}],
    ],
)
@pytest.mark.django_db
def test_nested_personal_value_refused(detail):
    with pytest.raises(OutboundPayloadRefusedError) as refusal:
        payload_check(NESTED_CONTRACT, {"detail": detail})

    [(field, problem)] = refusal.value.problems
    assert field == "detail"
    assert problem.startswith("personal data in a plain field")


def test_contract_fields_documented():
    documented = (settings.BASE_DIR / "docs" / "integrations.md").read_text()

    for name, form in CONTRACT.fields.items():
        assert f"| `{name}` | {form} |" in documented, f"{name} is not documented"


def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_only_gate_imports_http_clients():
    offenders = []
    for package in PROJECT_PACKAGES:
        for path in sorted((settings.BASE_DIR / package).rglob("*.py")):
            relative = str(path.relative_to(settings.BASE_DIR))
            if relative == GATE_MODULE:
                continue
            clients = {
                module
                for module in imported_modules(path)
                if any(
                    module == client or module.startswith(f"{client}.")
                    for client in HTTP_CLIENT_MODULES
                )
            }
            if clients:
                offenders.append(f"{relative} imports {sorted(clients)}")

    assert not offenders, "; ".join(offenders)
