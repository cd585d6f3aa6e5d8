"""Blind indexes: normalization, determinism and key separation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vault import blind_index

local_parts = st.from_regex(r"[A-Za-z0-9._%+-]{1,20}", fullmatch=True)
whitespace = st.sampled_from(["", " ", "  ", "\t", "\n"])


@given(local=local_parts, before=whitespace, after=whitespace)
def test_email_index_ignores_case_and_spaces(local, before, after):
    address = f"{local}@Example.COM"

    assert blind_index.email_index(
        f"{before}{address}{after}"
    ) == blind_index.email_index(address.lower())


@given(subscriber=st.integers(min_value=0, max_value=999))
def test_phone_index_ignores_formatting(subscriber):
    spaced = f"+44 20 7946 {subscriber:04d}"
    compact = f"+44207946{subscriber:04d}"

    assert blind_index.phone_index(spaced) == blind_index.phone_index(compact)


@given(text=st.text(min_size=1, max_size=40))
def test_normalize_national_id_is_idempotent(text):
    once = blind_index.normalize_national_id(text)

    assert blind_index.normalize_national_id(once) == once


def test_index_differs_per_domain():
    value = "131052-9308"

    assert blind_index.blind_index(value, domain="email") != blind_index.blind_index(
        value, domain="national_id"
    )


def test_index_depends_on_key(settings):
    before = blind_index.email_index("someone@example.com")
    settings.VAULT_BLIND_INDEX_KEY = "TEST-ONLY-another-blind-index-key"

    assert blind_index.email_index("someone@example.com") != before


def test_index_hides_value():
    index = blind_index.email_index("someone@example.com")

    assert "someone" not in index
    assert len(index) == blind_index.INDEX_LENGTH


@pytest.mark.parametrize(
    ("country", "first", "second"),
    [("FI", "131052-9308", "131052 9308"), ("US", "987-65-4320", "987654320")],
)
def test_national_id_index_ignores_separators(country, first, second):
    assert blind_index.national_id_index(
        country, first
    ) == blind_index.national_id_index(country, second)
