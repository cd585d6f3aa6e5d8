"""The stand-in provider over raw HTTP: signature, size, JSON and the contract."""

import json
import time

import pytest
import requests

from integrations.identity_verification.signing import (
    MAX_SIGNATURE_AGE,
    SIGNATURE_HEADER,
    signature_header,
)
from integrations.standin import MAX_BODY_BYTES
from tests.integrations.standin import API_KEY, running_standin

TOKEN = "tok_" + "ab" * 32
REFERENCE = "APL-TEST-0000-0001"
# Seconds a test waits for the stand-in to answer.
TIMEOUT = 10


def contract_payload(**changes) -> dict:
    payload = {
        "reference": REFERENCE,
        "national_id_country": "FI",
        "national_id": TOKEN,
        "date_of_birth": TOKEN.replace("ab", "cd"),
    }
    payload.update(changes)
    return payload


def post(server, body: bytes, *, api_key: str = API_KEY, signed_at=None):
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(body, api_key=api_key, now=signed_at),
    }
    return requests.post(server.url, data=body, headers=headers, timeout=TIMEOUT)


def post_json(server, payload: dict, **options):
    return post(server, json.dumps(payload).encode(), **options)


@pytest.fixture
def standin():
    with running_standin(rejected_references={"APL-TEST-0000-0002"}) as server:
        yield server


def test_contract_payload_verified(standin):
    response = post_json(standin, contract_payload())

    assert response.status_code == 200
    assert response.json() == {"reference": REFERENCE, "outcome": "verified"}


def test_listed_reference_rejected(standin):
    response = post_json(standin, contract_payload(reference="APL-TEST-0000-0002"))

    assert response.status_code == 200
    assert response.json()["outcome"] == "rejected"


def test_extra_field_answers_422(standin):
    response = post_json(standin, contract_payload(phone="+442079460123"))

    assert response.status_code == 422
    assert response.json()["fields"] == [["phone", "not in the contract"]]
    assert "+442079460123" not in response.text


def test_missing_field_answers_422(standin):
    payload = contract_payload()
    del payload["date_of_birth"]

    response = post_json(standin, payload)

    assert response.status_code == 422
    assert response.json()["fields"] == [["date_of_birth", "missing"]]


def test_raw_value_for_token_answers_422(standin):
    response = post_json(standin, contract_payload(national_id="131052-930V"))

    assert response.status_code == 422
    assert response.json()["fields"] == [["national_id", "not a token"]]


def test_wrong_key_answers_401(standin):
    response = post_json(standin, contract_payload(), api_key="TEST-ONLY-wrong-key")

    assert response.status_code == 401


def test_missing_signature_answers_401(standin):
    response = requests.post(standin.url, json=contract_payload(), timeout=TIMEOUT)

    assert response.status_code == 401


def test_stale_signature_answers_401(standin):
    signed_at = time.time() - MAX_SIGNATURE_AGE - 60

    response = post_json(standin, contract_payload(), signed_at=signed_at)

    assert response.status_code == 401


def test_oversized_body_answers_413(standin):
    response = post(standin, b"x" * (MAX_BODY_BYTES + 1))

    assert response.status_code == 413
    assert standin.received == []


def test_invalid_json_answers_400(standin):
    response = post(standin, b"{not json")

    assert response.status_code == 400


def test_get_answers_405(standin):
    response = requests.get(standin.url, timeout=TIMEOUT)

    assert response.status_code == 405


def test_requests_recorded_in_order(standin):
    post_json(standin, contract_payload())
    post_json(standin, contract_payload(extra="value"))

    assert [json.loads(request.body) for request in standin.received] == [
        contract_payload(),
        contract_payload(extra="value"),
    ]
    assert all(SIGNATURE_HEADER in request.headers for request in standin.received)
