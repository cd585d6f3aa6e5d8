"""Sign-in lockout by django-axes, which must not store who tried.

An account and a client address are locked separately after
AXES_FAILURE_LIMIT failures. The counters live in Redis under keys derived
from the address's blind index, the axes tables stay empty, and neither the
lockout page nor a log line contains the typed e-mail address.
"""

import hashlib
import logging
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import RequestFactory

from onboarding.staff.lockout import client_ip_index, username_blind_index
from tests.cache_scan import cache_contents
from tests.staff.conftest import LOGIN_URL, STAFF_EMAIL, STAFF_PASSWORD
from vault.blind_index import ip_address_index
from vault.client_ip import client_ip_address

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "not-the-password"


def attempt(client, *, email: str = STAFF_EMAIL, password: str, address: str):
    return client.post(
        LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=address
    )


def fail_for_account(client, count: int) -> list[int]:
    """Fail ``count`` times for the staff account, each from a new address."""
    return [
        attempt(client, password=WRONG_PASSWORD, address=f"198.51.100.{n}").status_code
        for n in range(1, count + 1)
    ]


def fail_from_address(client, count: int, address: str) -> list[int]:
    """Fail ``count`` times from ``address``, each for a different account."""
    return [
        attempt(
            client,
            email=f"someone.{n}@example.com",
            password=WRONG_PASSWORD,
            address=address,
        ).status_code
        for n in range(count)
    ]


def headers_text(response) -> str:
    return "\n".join(f"{name}: {value}" for name, value in response.items())


# Account and address lockout


def test_account_locked_across_addresses(client, staff_user, settings):
    limit = settings.AXES_FAILURE_LIMIT

    statuses = fail_for_account(client, limit)
    response = attempt(client, password=STAFF_PASSWORD, address="192.0.2.200")

    assert statuses == [200] * (limit - 1) + [429]
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_address_locked_across_accounts(client, staff_user, settings):
    limit = settings.AXES_FAILURE_LIMIT

    statuses = fail_from_address(client, limit, "203.0.113.7")
    response = attempt(client, password=STAFF_PASSWORD, address="203.0.113.7")

    assert statuses == [200] * (limit - 1) + [429]
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_under_limit_still_signs_in(client, staff_user, settings):
    fail_for_account(client, settings.AXES_FAILURE_LIMIT - 1)

    response = attempt(client, password=STAFF_PASSWORD, address="192.0.2.200")

    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_other_account_unaffected(client, staff_user, settings):
    fail_for_account(client, settings.AXES_FAILURE_LIMIT)

    response = attempt(
        client,
        email="other.person@example.com",
        password=WRONG_PASSWORD,
        address="192.0.2.201",
    )

    assert response.status_code == 200


def test_applicant_sign_in_locked(client, verified_user, canary, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/sign-in/",
            {"username": canary.email, "password": WRONG_PASSWORD},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )

    response = client.post(
        "/sign-in/", {"username": canary.email, "password": canary.password}
    )

    assert response.status_code == 429
    assert canary.email not in response.content.decode()


def test_reset_username_command_unlocks(client, staff_user, settings):
    fail_for_account(client, settings.AXES_FAILURE_LIMIT)
    index = username_blind_index(None, {"username": STAFF_EMAIL})

    call_command("axes_reset_username", index, stdout=StringIO())
    response = attempt(client, password=STAFF_PASSWORD, address="192.0.2.200")

    assert response.status_code == 302


def test_reset_ip_command_unlocks(client, staff_user, settings):
    fail_from_address(client, settings.AXES_FAILURE_LIMIT, "203.0.113.7")

    # The counter is named after the address's blind index (docs/staff-access.md).
    call_command("axes_reset_ip", ip_address_index("203.0.113.7"), stdout=StringIO())
    response = attempt(client, password=STAFF_PASSWORD, address="203.0.113.7")

    assert response.status_code == 302


# The lockout page


def test_lockout_page_names_wait(client, staff_user, settings):
    settings.AXES_COOLOFF_TIME = 15 / 60

    fail_for_account(client, settings.AXES_FAILURE_LIMIT)
    response = attempt(client, password=STAFF_PASSWORD, address="192.0.2.200")

    page = response.content.decode()
    assert "this account or your network address is locked" in page
    assert "Try again in at most 15 minutes." in page
    assert response["Retry-After"] == str(15 * 60)


def test_lockout_page_hides_address(client, staff_user, settings):
    fail_for_account(client, settings.AXES_FAILURE_LIMIT)

    response = attempt(client, password=STAFF_PASSWORD, address="192.0.2.200")

    assert response.status_code == 429
    assert STAFF_EMAIL not in response.content.decode().lower()
    assert STAFF_EMAIL not in headers_text(response).lower()
    assert "Location" not in response


# Nothing stored that names the account or the address


def test_axes_tables_stay_empty(client, staff_user, settings):
    fail_for_account(client, settings.AXES_FAILURE_LIMIT)
    fail_from_address(client, settings.AXES_FAILURE_LIMIT, "203.0.113.7")
    client.logout()
    attempt(client, password=STAFF_PASSWORD, address="192.0.2.99")

    assert AccessAttempt.objects.count() == 0
    assert AccessLog.objects.count() == 0
    assert AccessFailureLog.objects.count() == 0


def test_cache_hides_address(client, staff_user, settings):
    fail_for_account(client, settings.AXES_FAILURE_LIMIT)

    contents = cache_contents()

    plain_digest = hashlib.sha256(STAFF_EMAIL.encode()).hexdigest()
    assert contents, "no key under this run's prefix, so nothing was checked"
    for key, value in contents.items():
        assert STAFF_EMAIL not in key.lower()
        assert plain_digest not in key
        assert STAFF_EMAIL.encode() not in value.lower()


def test_cache_keyed_by_blind_index(client, staff_user, settings):
    fail_for_account(client, settings.AXES_FAILURE_LIMIT)

    index_digest = hashlib.sha256(
        username_blind_index(None, {"username": STAFF_EMAIL}).encode()
    ).hexdigest()
    assert any(key.endswith(f"axes-{index_digest}") for key in cache_contents())


def test_cache_keys_address_counter_by_blind_index(client, staff_user, settings):
    fail_from_address(client, settings.AXES_FAILURE_LIMIT, "203.0.113.7")
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")

    keys = cache_contents().keys()

    # An unkeyed digest of the address could be found by hashing every IPv4
    # address; the counter is named after the keyed index instead.
    plain_digest = hashlib.sha256(b"203.0.113.7").hexdigest()
    index_digest = hashlib.sha256(client_ip_index(request).encode()).hexdigest()
    assert not any(plain_digest in key for key in keys)
    assert any(key.endswith(f"axes-{index_digest}") for key in keys)


def test_log_lines_hide_address(client, staff_user, settings, caplog):
    caplog.set_level(logging.DEBUG)

    fail_for_account(client, settings.AXES_FAILURE_LIMIT)
    attempt(client, password=STAFF_PASSWORD, address="192.0.2.200")

    assert caplog.records, "nothing was logged, so no log line was checked"
    for record in caplog.records:
        message = record.getMessage().lower()
        assert STAFF_EMAIL not in message
        assert "198.51.100." not in message


def test_username_index_ignores_case():
    typed = username_blind_index(None, {"username": " Staff.Member@Example.COM "})

    assert typed == username_blind_index(None, {"username": STAFF_EMAIL})


def test_username_index_of_blank_is_none():
    assert username_blind_index(None, {"username": ""}) is None


# Client address and X-Forwarded-For


def test_forwarded_header_cannot_dodge_lockout(client, staff_user, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    limit = settings.AXES_FAILURE_LIMIT

    statuses = [
        client.post(
            LOGIN_URL,
            {"username": f"someone.{n}@example.com", "password": WRONG_PASSWORD},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(limit)
    ]
    response = client.post(
        LOGIN_URL,
        {"username": STAFF_EMAIL, "password": STAFF_PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="192.0.2.250",
    )

    assert statuses[-1] == 429
    assert response.status_code == 429


CLIENT_ADDRESS_CASES = [
    # (proxy count, trusted proxies, REMOTE_ADDR, X-Forwarded-For, expected)
    pytest.param(0, [], "203.0.113.7", "192.0.2.1", "203.0.113.7", id="no-proxy"),
    pytest.param(
        1, [], "10.0.0.5", "192.0.2.1, 198.51.100.9", "198.51.100.9", id="one-proxy"
    ),
    pytest.param(
        2,
        [],
        "10.0.0.5",
        "192.0.2.1, 198.51.100.9, 10.0.0.4",
        "198.51.100.9",
        id="two-proxies",
    ),
    pytest.param(
        1,
        ["10.0.0.0/8"],
        "10.0.0.5",
        "198.51.100.9",
        "198.51.100.9",
        id="trusted-proxy",
    ),
    pytest.param(
        1,
        ["10.0.0.0/8"],
        "203.0.113.7",
        "198.51.100.9",
        "203.0.113.7",
        id="untrusted-sender",
    ),
    pytest.param(1, [], "10.0.0.5", "", "10.0.0.5", id="header-missing"),
    pytest.param(2, [], "10.0.0.5", "198.51.100.9", "10.0.0.5", id="header-too-short"),
    pytest.param(1, [], "10.0.0.5", "not-an-ip", "10.0.0.5", id="header-invalid"),
]


@pytest.mark.parametrize(
    ("proxy_count", "trusted", "remote", "forwarded", "expected"),
    CLIENT_ADDRESS_CASES,
)
def test_client_ip_address(settings, proxy_count, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxy_count
    settings.TRUSTED_PROXY_IPS = trusted
    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
    )

    assert client_ip_address(request) == expected


def test_invalid_trusted_proxy_setting(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_IPS = ["not-a-network"]
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5")

    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_IPS contains"):
        client_ip_address(request)
