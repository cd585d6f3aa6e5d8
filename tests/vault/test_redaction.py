"""The redaction filter replaces personal values in log records with markers."""

import logging
import re
import sys

import pytest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from vault.detector import find_pii
from vault.redaction import (
    RedactionFilter,
    may_contain_shaped_pii,
    redact,
    redacting_request_values,
)

CASES = [
    ("mail from canary.1a2b@example.com", "mail from [email]"),
    ("call +44 20 7946 0123 now", "call [phone] now"),
    ("hetu 010190-900P", "hetu [national ID]"),
    ("ssn 987-65-4320", "ssn [national ID]"),
    ("born 1990-01-31", "born [date of birth]"),
    ("card 4111 1111 1111 1111", "card [card number]"),
    ("from 203.0.113.9", "from [IP address]"),
    ("from 2001:db8::1", "from [IP address]"),
    ("GET /sign-in/?next=/apply/ HTTP/1.1", "GET /sign-in/?[query] HTTP/1.1"),
    (
        "DETAIL:  Key (address)=(a b) already exists.",
        "DETAIL:  Key (address)=([database value]) already exists.",
    ),
    (
        "DETAIL:  Failing row contains (1, x, null).",
        "DETAIL:  Failing row contains ([database value]).",
    ),
    ("Application APL-AB12-CD34 submitted", "Application APL-AB12-CD34 submitted"),
    ("Is it /apply/? yes", "Is it /apply/? yes"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_redact(text, expected):
    assert redact(text) == expected


def test_redact_request_values():
    request = RequestFactory().post(
        "/sign-up/?city=Canarytown", {"legal_name": "Zq Canaryname", "step": "2"}
    )

    with redacting_request_values(request):
        text = redact("Zq Canaryname lives in Canarytown, step 2")

    assert text == "[request value] lives in [request value], step 2"


def test_redact_leaves_form_control_values():
    request = RequestFactory().post(
        "/apply/",
        {
            "onboarding_wizard-current_step": "contact",
            "wizard_goto_step": "identity",
            "csrfmiddlewaretoken": "token-value",
            "contact-city": "Canarytown",
        },
    )

    with redacting_request_values(request):
        text = redact("Step contact back to identity from Canarytown")

    assert text == "Step contact back to identity from [request value]"


def test_redact_outside_request_keeps_unshaped_values():
    assert redact("Zq Canaryname") == "Zq Canaryname"


# Characters from which the detector's patterns are built, so generated
# texts often come close to a match.
PII_ALPHABET = "0123456789-+. /:@abcdefXUY"


@given(st.text(alphabet=PII_ALPHABET, max_size=40))
def test_shortcut_never_skips_detector_match(text):
    if find_pii(text):
        assert may_contain_shaped_pii(text)


def make_record(message, *args, **extra):
    record = logging.LogRecord("tests", logging.INFO, __file__, 1, message, args, None)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def test_filter_redacts_message_and_arguments():
    record = make_record("Mail %s at %s", "canary.1a2b@example.com", "203.0.113.9")

    assert RedactionFilter().filter(record) is True
    assert record.getMessage() == "Mail [email] at [IP address]"


def test_filter_redacts_extra_fields():
    record = make_record(
        "Done",
        contact={"email": "canary.1a2b@example.com", "count": 3},
        phones=["+44 20 7946 0123"],
        user_id=7,
    )

    RedactionFilter().filter(record)

    assert record.contact == {"email": "[email]", "count": 3}
    assert record.phones == ["[phone]"]
    assert record.user_id == 7


def test_filter_leaves_request_object_alone():
    request = RequestFactory().get("/")
    record = make_record("Done", request=request)

    RedactionFilter().filter(record)

    assert record.request is request


def test_filter_redacts_traceback():
    try:
        msg = "No account for canary.1a2b@example.com"
        raise ValueError(msg)
    except ValueError:
        record = logging.LogRecord(
            "tests", logging.ERROR, __file__, 1, "Failed", None, sys.exc_info()
        )

    RedactionFilter().filter(record)

    assert "ValueError: No account for [email]" in record.exc_text
    assert "canary.1a2b" not in logging.Formatter().format(record)


def test_filter_survives_mismatched_arguments():
    record = make_record("Mail %s and %s", "canary.1a2b@example.com")

    RedactionFilter().filter(record)

    assert "canary.1a2b" not in record.getMessage()
    assert re.search(r"did not match", record.getMessage())


def test_filter_redacts_each_record_once():
    record = make_record("Mail %s", "canary.1a2b@example.com")
    RedactionFilter().filter(record)
    record.msg = "changed by a later filter"

    RedactionFilter().filter(record)

    assert record.msg == "changed by a later filter"
