"""Rate limits per client IP address and per e-mail address.

Counters live in the Redis cache of the test settings. Each case lowers the
limits, sends one request more than allowed, and checks the 429 response,
its Retry-After header, the security event and that no canary value
reaches the response, the event, the log or a cache key.
"""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from audit.models import SecurityEvent
from detection import rate_limits
from detection.middleware import RATE_LIMIT_EXCEEDED
from tests.cache_scan import cache_keys
from tests.detection.conftest import assert_no_canary, event_text

pytestmark = pytest.mark.django_db

IP_LIMIT = 3
EMAIL_LIMIT = 2
WINDOW_SECONDS = 600
CLIENT = "203.0.113.9"
PROXY = "127.0.0.1"
IP_LIMITED = [
    "onboarding:sign-up",
    "onboarding:verify-email",
    "onboarding:sign-in",
    "onboarding:wizard",
    "staff:login",
    "staff:two_factor",
    "staff:two_factor_enrol",
    "staff:step_up",
]


@pytest.fixture(autouse=True)
def low_limits(settings):
    settings.DETECTION_RATE_LIMITS = {
        url_name: {
            "ip": [IP_LIMIT, WINDOW_SECONDS],
            "email": [EMAIL_LIMIT, WINDOW_SECONDS],
        }
        for url_name in IP_LIMITED
    }


@pytest.fixture(autouse=True)
def captured_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def url_for(url_name: str) -> str:
    if url_name == "onboarding:verify-email":
        return reverse(url_name, args=["not-a-real-token"])
    return reverse(url_name)


def sign_up_data(email: str, password: str) -> dict[str, str]:
    return {"email": email, "password1": password, "password2": password}


def rate_limit_events() -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(rule=RATE_LIMIT_EXCEEDED))


def assert_limited(response, *, url_name: str, kind: str, limit: int) -> None:
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= WINDOW_SECONDS
    events = rate_limit_events()
    assert len(events) == 1
    assert events[0].severity == SecurityEvent.Severity.WARNING
    assert events[0].detail == {
        "rule": RATE_LIMIT_EXCEEDED,
        "parameters": [],
        "path_name": url_name,
        "limit": kind,
        "requests": limit,
        "seconds": WINDOW_SECONDS,
    }


def post_times(client, url: str, times: int, **extra) -> list[int]:
    return [client.post(url, {}, **extra).status_code for _ in range(times)]


@pytest.mark.parametrize("url_name", IP_LIMITED)
def test_client_ip_limit(client, url_name):
    url = url_for(url_name)

    allowed = post_times(client, url, IP_LIMIT, REMOTE_ADDR=CLIENT)
    response = client.post(url, {}, REMOTE_ADDR=CLIENT)

    assert 429 not in allowed
    assert_limited(response, url_name=url_name, kind="ip", limit=IP_LIMIT)


def test_event_recorded_once_per_window(client):
    url = url_for("onboarding:sign-up")

    statuses = post_times(client, url, IP_LIMIT + 5, REMOTE_ADDR=CLIENT)

    assert statuses.count(429) == 5
    assert len(rate_limit_events()) == 1


def test_other_client_not_limited(client):
    url = url_for("onboarding:sign-up")
    post_times(client, url, IP_LIMIT + 1, REMOTE_ADDR=CLIENT)

    response = client.post(url, {}, REMOTE_ADDR="203.0.113.10")

    assert response.status_code != 429


def test_other_endpoint_not_limited(client):
    post_times(client, url_for("onboarding:sign-up"), IP_LIMIT + 1, REMOTE_ADDR=CLIENT)

    response = client.post(url_for("onboarding:sign-in"), {}, REMOTE_ADDR=CLIENT)

    assert response.status_code != 429


def test_get_not_counted(client):
    url = url_for("onboarding:sign-up")

    statuses = [client.get(url, REMOTE_ADDR=CLIENT).status_code for _ in range(10)]

    assert statuses == [200] * 10
    assert not rate_limit_events()


def test_forwarded_address_ignored_without_proxy(client):
    url = url_for("onboarding:sign-up")
    statuses = [
        client.post(url, {}, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}").status_code
        for number in range(1, IP_LIMIT + 2)
    ]

    assert statuses[-1] == 429


def test_forwarded_address_counted_behind_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_IPS = [PROXY]
    url = url_for("onboarding:sign-up")

    statuses = [
        client.post(
            url, {}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}"
        ).status_code
        for number in range(1, 2 * IP_LIMIT + 1)
    ]

    assert 429 not in statuses


def test_sign_up_email_limit(client, canary, captured_logs):
    url = url_for("onboarding:sign-up")
    data = sign_up_data(canary.email, canary.password)
    # Each attempt comes from another address, so only the e-mail counter
    # can stop the last one.
    allowed = [
        client.post(url, data, REMOTE_ADDR=f"198.51.100.{number}").status_code
        for number in range(1, EMAIL_LIMIT + 1)
    ]
    response = client.post(url, data, REMOTE_ADDR="198.51.100.99")

    assert 429 not in allowed
    assert_limited(
        response, url_name="onboarding:sign-up", kind="email", limit=EMAIL_LIMIT
    )
    keys = "\n".join(cache_keys())
    assert_no_canary(
        canary,
        response.content.decode(),
        event_text(rate_limit_events()[0]),
        captured_logs.text,
        keys,
    )
    assert "198.51.100" not in keys


def test_email_limit_ignores_case_and_spaces(client, canary):
    url = url_for("onboarding:sign-up")
    spellings = [canary.email, f" {canary.email.upper()} ", canary.email.title()]

    statuses = [
        client.post(
            url,
            sign_up_data(spelling, canary.password),
            REMOTE_ADDR=f"198.51.100.{number}",
        ).status_code
        for number, spelling in enumerate(spellings, start=1)
    ]

    assert statuses[-1] == 429


@pytest.mark.parametrize("url_name", ["onboarding:sign-in", "staff:login"])
def test_sign_in_email_limit(client, canary, url_name):
    url = url_for(url_name)
    data = {"username": canary.email, "password": canary.password}
    for number in range(1, EMAIL_LIMIT + 1):
        client.post(url, data, REMOTE_ADDR=f"198.51.100.{number}")

    response = client.post(url, data, REMOTE_ADDR="198.51.100.99")

    assert_limited(response, url_name=url_name, kind="email", limit=EMAIL_LIMIT)


def test_wizard_account_limit(signed_in_client):
    url = url_for("onboarding:wizard")
    for number in range(1, EMAIL_LIMIT + 1):
        signed_in_client.post(url, {}, REMOTE_ADDR=f"198.51.100.{number}")

    response = signed_in_client.post(url, {}, REMOTE_ADDR="198.51.100.99")

    assert_limited(
        response, url_name="onboarding:wizard", kind="email", limit=EMAIL_LIMIT
    )


def test_both_limits_record_events(signed_in_client, settings):
    settings.DETECTION_RATE_LIMITS = {
        "onboarding:wizard": {"ip": [1, WINDOW_SECONDS], "email": [1, WINDOW_SECONDS]}
    }
    url = url_for("onboarding:wizard")
    signed_in_client.post(url, {}, REMOTE_ADDR=CLIENT)

    response = signed_in_client.post(url, {}, REMOTE_ADDR=CLIENT)

    assert response.status_code == 429
    kinds = sorted(event.detail["limit"] for event in rate_limit_events())
    assert kinds == ["email", "ip"]


@pytest.mark.parametrize(
    "url_name", ["staff:two_factor", "staff:two_factor_enrol", "staff:step_up"]
)
def test_staff_code_account_limit(password_only_staff_client, url_name):
    url = url_for(url_name)
    for number in range(1, EMAIL_LIMIT + 1):
        password_only_staff_client.post(url, {}, REMOTE_ADDR=f"198.51.100.{number}")

    response = password_only_staff_client.post(url, {}, REMOTE_ADDR="198.51.100.99")

    assert_limited(response, url_name=url_name, kind="email", limit=EMAIL_LIMIT)


def test_limited_request_not_checked_further(client, canary):
    url = url_for("onboarding:sign-up")
    post_times(client, url, IP_LIMIT, REMOTE_ADDR=CLIENT)

    response = client.post(url, {"legacy_field": canary.city}, REMOTE_ADDR=CLIENT)

    assert response.status_code == 429
    assert list(SecurityEvent.objects.values_list("rule", flat=True)) == [
        RATE_LIMIT_EXCEEDED
    ]


def test_unlisted_endpoint_not_limited(client, settings):
    settings.DETECTION_RATE_LIMITS = {}
    url = url_for("onboarding:sign-up")

    statuses = post_times(client, url, 10, REMOTE_ADDR=CLIENT)

    assert 429 not in statuses


@pytest.mark.parametrize("configured", [[0, 60], [5, 0], [-1, 60]])
def test_invalid_limit_rejected(settings, configured):
    settings.DETECTION_RATE_LIMITS = {"onboarding:sign-up": {"ip": configured}}

    with pytest.raises(ImproperlyConfigured, match="positive whole numbers"):
        rate_limits.configured_limit("onboarding:sign-up", "ip")
