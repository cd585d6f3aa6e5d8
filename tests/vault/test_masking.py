"""Masks keep only their fixed, allowed part of a value."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from vault import masking

HIDDEN_CHARACTERS = set("* -.@")


def revealed(mask: str) -> str:
    """Return the characters of ``mask`` that came from the value."""
    return "".join(ch for ch in mask if ch not in HIDDEN_CHARACTERS)


@given(
    local=st.from_regex(r"[a-z0-9._]{1,30}", fullmatch=True),
    domain=st.from_regex(r"[a-z]{1,10}\.example", fullmatch=True),
)
def test_email_mask_keeps_initial_and_domain(local, domain):
    mask = masking.mask_email(f"{local}@{domain}")

    assert mask == f"{local[0]}***@{domain}"


@given(
    words=st.lists(
        st.from_regex(r"[A-Za-z]{1,15}", fullmatch=True), min_size=1, max_size=4
    )
)
def test_name_mask_keeps_initials_only(words):
    mask = masking.mask_name(" ".join(words))

    assert revealed(mask) == "".join(word[0] for word in words)


@given(value=st.text(alphabet="0123456789ABC -", min_size=0, max_size=30))
def test_last_four_mask_reveals_at_most_four(value):
    mask = masking.mask_last_four(value)

    assert len(revealed(mask)) <= 4


@given(value=st.from_regex(r"\+[0-9]{8,15}", fullmatch=True))
def test_last_four_mask_keeps_last_digits(value):
    assert masking.mask_last_four(value).endswith(value[-4:])


@given(value=st.text(max_size=50))
def test_hidden_mask_reveals_nothing(value):
    assert revealed(masking.mask_hidden(value)) == ""


def test_hidden_mask_of_date_reveals_nothing():
    assert revealed(masking.mask_hidden(datetime.date(1990, 5, 17))) == ""


def test_email_without_at_sign_fully_hidden():
    assert masking.mask_email("no-at-sign") == "***"
