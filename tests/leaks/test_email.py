"""E-mails: links from SITE_URL whatever the Host header, no personal data.

A client controls the Host and X-Forwarded-Host headers. A link built from
them would send the recipient, and their confirmation token, to a server of
the client's choice.
"""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from onboarding.models import Applicant, User
from tests.portal.conftest import make_staff, portal_client, staff_roles  # noqa: F401

SITE_URL = "https://onboarding.example.org"
FORGED_HOST = "forged-host.example.net"
URL_PATTERN = re.compile(r"https?://[^\s\"'<>]+")
SIGN_UP = reverse("onboarding:sign-up")


@pytest.fixture
def forged_host_allowed(settings):
    # The forged host must be allowed, or Django rejects the request before
    # any e-mail is sent and the test would prove nothing.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, FORGED_HOST]
    settings.SITE_URL = SITE_URL


def html_body(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def urls_in(message) -> dict[str, list[str]]:
    return {
        "text": URL_PATTERN.findall(message.body),
        "html": URL_PATTERN.findall(html_body(message)),
    }


def assert_links_from_site_url(message, path_prefix: str) -> None:
    for part, urls in urls_in(message).items():
        assert urls, f"the {part} body has no link"
        for url in urls:
            assert url.startswith(f"{SITE_URL}{path_prefix}"), f"{part}: {url}"
    everything = message.message().as_string()
    assert FORGED_HOST not in everything


def assert_no_personal_data(message, canary) -> None:
    """Check every part of the message except the To header, which must name
    the recipient."""
    parts = {
        "subject": message.subject,
        "text": message.body,
        "html": html_body(message),
        "headers": "\n".join(
            f"{name}: {value}"
            for name, value in message.message().items()
            if name.lower() != "to"
        ),
    }
    for part, text in parts.items():
        for name, value in canary.values().items():
            assert value.lower() not in text.lower(), f"{name} in the {part}"


def sign_up_data(canary) -> dict[str, str]:
    return {
        "email": canary.email,
        "password1": canary.password,
        "password2": canary.password,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_HOST": FORGED_HOST},
        {"HTTP_X_FORWARDED_HOST": FORGED_HOST},
        {"HTTP_HOST": FORGED_HOST, "HTTP_X_FORWARDED_HOST": FORGED_HOST},
    ],
)
def test_verification_link_ignores_host(
    client, canary, outbox, forged_host_allowed, headers
):
    response = client.post(SIGN_UP, sign_up_data(canary), **headers)

    assert response.status_code == 302
    [message] = outbox
    assert message.to == [canary.email]
    assert_links_from_site_url(message, "/verify/")


@pytest.mark.django_db
def test_already_registered_link_ignores_host(
    client, canary, outbox, verified_user, forged_host_allowed
):
    client.post(SIGN_UP, sign_up_data(canary), HTTP_HOST=FORGED_HOST)

    [message] = outbox
    assert_links_from_site_url(message, reverse("onboarding:sign-in"))


@pytest.mark.django_db
def test_staff_resend_link_ignores_host(
    canary,
    outbox,
    portal_client,  # noqa: F811
    forged_host_allowed,
):
    user = User.objects.create_user(canary.email, canary.password)
    applicant = Applicant.objects.create(user=user)
    support = portal_client("Support")

    response = support.post(
        reverse(
            "staff:onboarding_applicant_resend_verification",
            args=[applicant.reference],
        ),
        HTTP_HOST=FORGED_HOST,
    )

    assert response.status_code == 302
    [message] = outbox
    assert_links_from_site_url(message, "/verify/")


@pytest.mark.django_db
def test_verification_email_has_no_pii(client, canary, outbox, submitted_applicant):
    User.objects.filter(pk=submitted_applicant.user_id).update(email_verified_at=None)
    client.post(SIGN_UP, sign_up_data(canary))

    [message] = outbox
    assert_no_personal_data(message, canary)


@pytest.mark.django_db
def test_already_registered_email_has_no_pii(
    client, canary, outbox, submitted_applicant
):
    User.objects.filter(pk=submitted_applicant.user_id).update(
        email_verified_at=timezone.now()
    )
    client.post(SIGN_UP, sign_up_data(canary))

    [message] = outbox
    assert_no_personal_data(message, canary)


@pytest.mark.parametrize("site_url", ["onboarding.example.org", "", "/relative"])
def test_relative_site_url_refused(site_url):
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.base"],
        cwd=django_settings.BASE_DIR,
        env={
            **os.environ,
            "SITE_URL": site_url,
            "DATABASE_URL": "postgres://settings@127.0.0.1:1/unused",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SITE_URL must be an absolute URL" in result.stderr
