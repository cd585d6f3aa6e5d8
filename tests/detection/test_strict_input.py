"""Strict input on the onboarding and sign-in endpoints.

Each case sends one request that breaks one rule through the whole
middleware stack, then checks the status, the security event and that no
canary value reaches the response, the event or the log.
"""

import logging
from urllib.parse import quote, urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from audit.models import SecurityEvent
from detection import strict_input
from detection.endpoints import GUARDED_ENDPOINTS
from tests.detection.conftest import assert_no_canary, event_text
from tests.onboarding.wizard_steps import (
    WIZARD,
    complete_steps_before,
    contact,
    current_step,
    identity,
    review,
    step_post,
)

pytestmark = pytest.mark.django_db

URLENCODED = "application/x-www-form-urlencoded"
SIGN_UP = reverse("onboarding:sign-up")
SIGN_IN = reverse("onboarding:sign-in")
MANAGEMENT_FIELD = "onboarding_wizard-current_step"


@pytest.fixture(autouse=True)
def captured_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def sign_up_pairs(canary) -> list[tuple[str, str]]:
    return [
        ("email", canary.email),
        ("password1", canary.password),
        ("password2", canary.password),
    ]


def encoded(pairs: list[tuple[str, str]]) -> bytes:
    return urlencode(pairs).encode()


def post_raw(client, url: str, body: bytes, content_type: str = URLENCODED):
    return client.generic("POST", url, body, content_type=content_type)


def only_event(rule: str) -> SecurityEvent:
    events = list(SecurityEvent.objects.filter(rule=rule))
    assert len(events) == 1, f"expected one {rule!r} event, found {len(events)}"
    return events[0]


def assert_rejected(response, *, status: int, rule: str, parameters: list[str]):
    """Check the status, the event and its detail, and return the event."""
    assert response.status_code == status
    event = only_event(rule)
    assert event.severity == SecurityEvent.Severity.WARNING
    assert event.detail["rule"] == rule
    assert event.detail["parameters"] == parameters
    assert event.detail["path_name"] == "onboarding:sign-up"
    return event


def assert_nothing_leaked(canary, response, event, caplog) -> None:
    assert_no_canary(canary, response.content.decode(), event_text(event), caplog.text)


# Each case: a function that sends one sign-up request breaking one rule,
# the status, the rule and the parameter names the event records.
def undeclared(client, canary):
    pairs = [*sign_up_pairs(canary), ("referrer", canary.city)]
    return post_raw(client, SIGN_UP, encoded(pairs))


def undeclared_query(client, canary):
    url = f"{SIGN_UP}?source={quote(canary.legal_name)}"
    return post_raw(client, url, encoded(sign_up_pairs(canary)))


def undeclared_file(client, canary):
    upload = SimpleUploadedFile("id.txt", canary.national_id.encode())
    data = {**dict(sign_up_pairs(canary)), "avatar": upload}
    return client.post(SIGN_UP, data)


def file_as_declared_field(client, canary):
    # The sign-up form declares "email", but never as a file.
    upload = SimpleUploadedFile("email.txt", canary.email.encode())
    pairs = dict(sign_up_pairs(canary))
    del pairs["email"]
    return client.post(SIGN_UP, {**pairs, "email": upload})


def repeated(client, canary):
    pairs = [*sign_up_pairs(canary), ("email", canary.phone)]
    return post_raw(client, SIGN_UP, encoded(pairs))


def too_large(client, canary):
    pairs = [*sign_up_pairs(canary), ("password2", canary.password * 1000)]
    return post_raw(client, SIGN_UP, encoded(pairs))


def invalid_percent_encoded_utf8(client, canary):
    body = encoded(sign_up_pairs(canary)) + b"&password2=%FF%FE"
    return post_raw(client, SIGN_UP, body)


def invalid_raw_utf8(client, canary):
    body = b"email=" + canary.email.encode() + b"\xff&password1=x&password2=x"
    return post_raw(client, SIGN_UP, body)


def invalid_multipart_utf8(client, canary):
    body = encode_multipart(BOUNDARY, dict(sign_up_pairs(canary)))
    body = body.replace(canary.password.encode(), canary.password.encode() + b"\xc3")
    return post_raw(client, SIGN_UP, body, MULTIPART_CONTENT)


def nul_character(client, canary):
    pairs = sign_up_pairs(canary)
    pairs[1] = ("password1", f"{canary.password}\x00")
    return post_raw(client, SIGN_UP, encoded(pairs))


def header_injection(client, canary):
    pairs = sign_up_pairs(canary)
    pairs[0] = ("email", f"{canary.email}\r\nBcc: {canary.email}")
    return post_raw(client, SIGN_UP, encoded(pairs))


def json_body(client, canary):
    body = f'{{"email": "{canary.email}"}}'.encode()
    return post_raw(client, SIGN_UP, body, "application/json")


def text_plain(client, canary):
    return post_raw(client, SIGN_UP, encoded(sign_up_pairs(canary)), "text/plain")


def latin1_charset(client, canary):
    content_type = f"{URLENCODED}; charset=iso-8859-1"
    return post_raw(client, SIGN_UP, encoded(sign_up_pairs(canary)), content_type)


def no_content_type(client, canary):
    return post_raw(client, SIGN_UP, encoded(sign_up_pairs(canary)), "")


REJECTED_CASES = [
    pytest.param(
        undeclared, 400, strict_input.UNDECLARED_PARAMETER, ["referrer"], id="field"
    ),
    pytest.param(
        undeclared_query, 400, strict_input.UNDECLARED_PARAMETER, ["source"], id="query"
    ),
    pytest.param(
        undeclared_file, 400, strict_input.UNDECLARED_PARAMETER, ["avatar"], id="file"
    ),
    pytest.param(
        file_as_declared_field,
        400,
        strict_input.UNDECLARED_PARAMETER,
        ["email"],
        id="file under a declared name",
    ),
    pytest.param(
        repeated, 400, strict_input.REPEATED_PARAMETER, ["email"], id="repeated"
    ),
    pytest.param(too_large, 413, strict_input.BODY_TOO_LARGE, [], id="too-large"),
    pytest.param(
        invalid_percent_encoded_utf8,
        400,
        strict_input.MALFORMED_ENCODING,
        [],
        id="percent-encoded-invalid-utf8",
    ),
    pytest.param(
        invalid_raw_utf8,
        400,
        strict_input.MALFORMED_ENCODING,
        [],
        id="raw-invalid-utf8",
    ),
    pytest.param(
        invalid_multipart_utf8,
        400,
        strict_input.MALFORMED_ENCODING,
        [],
        id="multipart-invalid-utf8",
    ),
    pytest.param(
        nul_character, 400, strict_input.CONTROL_CHARACTER, ["password1"], id="nul"
    ),
    pytest.param(
        header_injection,
        400,
        strict_input.CONTROL_CHARACTER,
        ["email"],
        id="line-break",
    ),
    pytest.param(json_body, 415, strict_input.UNSUPPORTED_CONTENT_TYPE, [], id="json"),
    pytest.param(
        text_plain, 415, strict_input.UNSUPPORTED_CONTENT_TYPE, [], id="text-plain"
    ),
    pytest.param(
        latin1_charset, 415, strict_input.UNSUPPORTED_CONTENT_TYPE, [], id="latin-1"
    ),
    pytest.param(
        no_content_type,
        415,
        strict_input.UNSUPPORTED_CONTENT_TYPE,
        [],
        id="no-content-type",
    ),
]


@pytest.mark.parametrize(("send", "status", "rule", "parameters"), REJECTED_CASES)
def test_sign_up_rule_rejects(
    client, canary, captured_logs, send, status, rule, parameters
):
    response = send(client, canary)

    event = assert_rejected(response, status=status, rule=rule, parameters=parameters)
    assert_nothing_leaked(canary, response, event, captured_logs)
    assert not SecurityEvent.objects.exclude(pk=event.pk).exists()


def test_rejection_page_echoes_nothing(client, canary):
    pairs = [*sign_up_pairs(canary), ("legacy_national_id", canary.national_id)]

    response = post_raw(client, SIGN_UP, encoded(pairs))

    page = response.content.decode()
    assert response.status_code == 400
    assert "legacy_national_id" not in page
    assert canary.national_id not in page
    assert "no-store" in response["Cache-Control"]


def test_parameter_name_with_pii_redacted(client, canary, captured_logs):
    pairs = [*sign_up_pairs(canary), (canary.email, "1"), (canary.national_id, "1")]

    response = post_raw(client, SIGN_UP, encoded(pairs))

    event = assert_rejected(
        response,
        status=400,
        rule=strict_input.UNDECLARED_PARAMETER,
        parameters=[strict_input.REDACTED_NAME],
    )
    assert_nothing_leaked(canary, response, event, captured_logs)


def test_control_character_in_name_redacted(client, canary):
    pairs = [*sign_up_pairs(canary), ("bell\x07", "1")]

    response = post_raw(client, SIGN_UP, encoded(pairs))

    assert_rejected(
        response,
        status=400,
        rule=strict_input.CONTROL_CHARACTER,
        parameters=[strict_input.REDACTED_NAME],
    )


RECORDABLE_CASES = [
    pytest.param("referrer", "referrer", id="field-name"),
    pytest.param("contact-phone", "contact-phone", id="wizard-field"),
    pytest.param("Canaryname", strict_input.REDACTED_NAME, id="capitalised"),
    pytest.param("a b", strict_input.REDACTED_NAME, id="space"),
    pytest.param("x" * 65, strict_input.REDACTED_NAME, id="too-long"),
    pytest.param("311280-999J", strict_input.REDACTED_NAME, id="national-id"),
    pytest.param("+442079460123", strict_input.REDACTED_NAME, id="phone"),
]


@pytest.mark.parametrize(("name", "recorded"), RECORDABLE_CASES)
def test_recordable_names(name, recorded):
    assert strict_input.recordable_names([name]) == [recorded]


def test_recorded_names_capped():
    names = [f"field_{number}" for number in range(50)]

    assert len(strict_input.recordable_names(names)) == 20


ACCEPTED_CASES = [
    pytest.param(URLENCODED, id="urlencoded"),
    pytest.param(f"{URLENCODED}; charset=UTF-8", id="urlencoded-utf8"),
    pytest.param(MULTIPART_CONTENT, id="multipart"),
]


@pytest.mark.parametrize("content_type", ACCEPTED_CASES)
def test_sign_up_form_accepted(client, canary, content_type):
    pairs = [*sign_up_pairs(canary), ("csrfmiddlewaretoken", "x" * 64)]
    if content_type == MULTIPART_CONTENT:
        body = encode_multipart(BOUNDARY, dict(pairs))
    else:
        body = encoded(pairs)

    response = post_raw(client, SIGN_UP, body, content_type)

    assert response.status_code == 302
    assert not SecurityEvent.objects.exists()


def test_sign_in_next_accepted(client):
    response = client.get(SIGN_IN, {"next": WIZARD})

    assert response.status_code == 200
    assert not SecurityEvent.objects.exists()


def test_undeclared_query_on_get_rejected(client):
    response = client.get(SIGN_UP, {"utm_source": "mail"})

    assert response.status_code == 400
    assert only_event(strict_input.UNDECLARED_PARAMETER).detail["parameters"] == [
        "utm_source"
    ]


def guarded_url(url_name: str) -> str:
    if url_name == "onboarding:verify-email":
        return reverse(url_name, args=["not-a-real-token"])
    return reverse(url_name)


@pytest.mark.parametrize("url_name", sorted(GUARDED_ENDPOINTS))
def test_every_guarded_endpoint_rejects_undeclared(client, url_name):
    response = client.post(guarded_url(url_name), {"legacy_field": "1"})

    assert response.status_code == 400
    event = only_event(strict_input.UNDECLARED_PARAMETER)
    assert event.detail == {
        "rule": strict_input.UNDECLARED_PARAMETER,
        "parameters": ["legacy_field"],
        "path_name": url_name,
    }


@pytest.mark.parametrize("url_name", sorted(GUARDED_ENDPOINTS))
def test_every_guarded_endpoint_rejects_large_body(client, url_name):
    body = b"csrfmiddlewaretoken=" + b"x" * 20_000

    response = post_raw(client, guarded_url(url_name), body)

    assert response.status_code == 413
    assert only_event(strict_input.BODY_TOO_LARGE).detail["path_name"] == url_name


def test_unguarded_page_not_checked(client):
    response = client.get(reverse("onboarding:home"), {"utm_source": "mail"})

    assert response.status_code == 200
    assert not SecurityEvent.objects.exists()


# The wizard


def wizard_event(rule: str) -> SecurityEvent:
    event = only_event(rule)
    assert event.detail["path_name"] == "onboarding:wizard"
    return event


def test_review_before_identity_rejected(signed_in_client, canary, captured_logs):
    signed_in_client.get(WIZARD)

    response = signed_in_client.post(WIZARD, review())

    assert response.status_code == 400
    event = wizard_event(strict_input.STEP_OUT_OF_ORDER)
    assert event.detail["parameters"] == [MANAGEMENT_FIELD]
    assert_nothing_leaked(canary, response, event, captured_logs)


def test_skipping_a_step_rejected(signed_in_client, canary):
    complete_steps_before(signed_in_client, canary, "contact")

    response = signed_in_client.post(
        WIZARD, step_post("national_id", {"national_id_country": "FI"})
    )

    assert response.status_code == 400
    wizard_event(strict_input.STEP_OUT_OF_ORDER)


def test_goto_forward_rejected(signed_in_client, canary):
    signed_in_client.get(WIZARD)

    response = signed_in_client.post(
        WIZARD, {**identity(canary), "wizard_goto_step": "review"}
    )

    assert response.status_code == 400
    event = wizard_event(strict_input.STEP_OUT_OF_ORDER)
    assert event.detail["parameters"] == ["wizard_goto_step"]


def test_unknown_step_rejected(signed_in_client, canary):
    signed_in_client.get(WIZARD)

    response = signed_in_client.post(WIZARD, {MANAGEMENT_FIELD: "payment"})

    assert response.status_code == 400
    wizard_event(strict_input.STEP_OUT_OF_ORDER)


def test_wizard_post_before_first_visit_rejected(signed_in_client, canary):
    response = signed_in_client.post(WIZARD, contact(canary))

    assert response.status_code == 400
    wizard_event(strict_input.STEP_OUT_OF_ORDER)


def test_field_of_another_step_rejected(signed_in_client, canary):
    signed_in_client.get(WIZARD)

    response = signed_in_client.post(
        WIZARD, {**identity(canary), "contact-phone": canary.phone}
    )

    assert response.status_code == 400
    event = wizard_event(strict_input.UNDECLARED_PARAMETER)
    assert event.detail["parameters"] == ["contact-phone"]


def test_back_button_accepted(signed_in_client, canary):
    complete_steps_before(signed_in_client, canary, "contact")

    response = signed_in_client.post(
        WIZARD, {**contact(canary), "wizard_goto_step": "identity"}
    )

    assert response.status_code == 200
    assert current_step(response) == "identity"
    assert not SecurityEvent.objects.exists()


def test_earlier_step_resubmitted_accepted(signed_in_client, canary):
    complete_steps_before(signed_in_client, canary, "national_id")

    response = signed_in_client.post(WIZARD, identity(canary))

    assert response.status_code == 200
    assert current_step(response) == "contact"
    assert not SecurityEvent.objects.exists()


def test_wizard_in_order_accepted(signed_in_client, canary):
    complete_steps_before(signed_in_client, canary, "review")

    response = signed_in_client.post(WIZARD, review())

    assert response.status_code == 302
    assert not SecurityEvent.objects.exists()
