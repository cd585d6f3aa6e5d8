"""Sign-up over HTTP: verification e-mails, enumeration, validation, races.

A sign-up with an address that already has an account must look exactly
like a new one to the visitor, so the page cannot be used to learn who is
registered. The owner learns about the attempt by e-mail instead.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils.html import escape

from onboarding.models import EmailVerification, User
from tests.onboarding.sign_up_race import RACE_LOG_MESSAGE, racing_sign_ups

SIGN_UP = reverse("onboarding:sign-up")
SIGN_UP_SENT = reverse("onboarding:sign-up-sent")
LINK_PATTERN = re.compile(r"https?://\S+/verify/[\w-]+/")
ALREADY_REGISTERED_SUBJECT = "Someone tried to sign up with your address"
VERIFY_SUBJECT = "Confirm your email address"
FORGED_HOST = "forged-host.example.net"
SITE_URL = "https://onboarding.example.org"
# Each racing thread gives up after this many seconds instead of hanging.


def sign_up_data(email: str, password: str) -> dict[str, str]:
    return {"email": email, "password1": password, "password2": password}


def links_in(message) -> list[str]:
    return LINK_PATTERN.findall(message.body)


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


@pytest.fixture
def new_address(canary) -> str:
    """An address with no account, distinct from the canary's own."""
    return canary.email.replace("canary.", "newcomer.")


@pytest.fixture
def unverified_user(canary, db) -> User:
    return User.objects.create_user(canary.email, canary.password)


@pytest.mark.django_db
def test_sign_up_creates_unverified_user(client, canary, outbox):
    response = client.post(SIGN_UP, sign_up_data(canary.email, canary.password))

    assert response.status_code == 302
    assert response["Location"] == SIGN_UP_SENT
    user = User.objects.get()
    assert user.email == canary.email
    assert not user.is_email_verified
    assert EmailVerification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_sign_up_sends_verification_link(client, canary, outbox):
    client.post(SIGN_UP, sign_up_data(canary.email, canary.password))

    assert len(outbox) == 1
    assert outbox[0].to == [canary.email]
    assert outbox[0].subject == VERIFY_SUBJECT
    assert len(links_in(outbox[0])) == 1


@pytest.mark.django_db
def test_link_ignores_forged_host(client, canary, outbox, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, FORGED_HOST]
    settings.SITE_URL = SITE_URL

    response = client.post(
        SIGN_UP, sign_up_data(canary.email, canary.password), HTTP_HOST=FORGED_HOST
    )

    assert response.status_code == 302
    [link] = links_in(outbox[0])
    assert link.startswith(f"{SITE_URL}/verify/")
    assert FORGED_HOST not in outbox[0].body


@pytest.mark.django_db
def test_existing_address_response_identical(
    client, canary, verified_user, new_address
):
    fresh = client.post(SIGN_UP, sign_up_data(new_address, canary.password))
    users_before = User.objects.count()

    repeated = client.post(
        SIGN_UP, sign_up_data(f"  {canary.email.upper()}  ", canary.password)
    )

    assert repeated.status_code == fresh.status_code
    assert repeated["Location"] == fresh["Location"]
    assert repeated.content == fresh.content
    assert User.objects.count() == users_before


@pytest.mark.django_db
def test_existing_address_owner_warned(client, canary, verified_user, outbox):
    client.post(SIGN_UP, sign_up_data(f"  {canary.email.upper()}  ", "other-pass-4821"))

    assert len(outbox) == 1
    assert outbox[0].to == [canary.email]
    assert outbox[0].subject == ALREADY_REGISTERED_SUBJECT
    assert links_in(outbox[0]) == []


@pytest.mark.django_db
def test_existing_address_keeps_password(client, canary, verified_user):
    client.post(SIGN_UP, sign_up_data(canary.email.upper(), "other-pass-4821"))

    verified_user.refresh_from_db()
    assert verified_user.check_password(canary.password)


@pytest.mark.django_db
def test_unverified_account_gets_fresh_link(client, canary, unverified_user, outbox):
    client.post(SIGN_UP, sign_up_data(canary.email.upper(), canary.password))

    assert User.objects.count() == 1
    assert EmailVerification.objects.filter(user=unverified_user).count() == 1
    assert len(outbox) == 1
    assert outbox[0].to == [canary.email]
    assert outbox[0].subject == VERIFY_SUBJECT
    [link] = links_in(outbox[0])
    confirm_page = client.get(urlsplit(link).path)
    assert b"Confirm my address" in confirm_page.content


INVALID_SIGN_UPS = [
    pytest.param(
        {"email": "not-an-address"},
        "Enter a valid email address.",
        id="invalid-email",
    ),
    pytest.param(
        {"email": "canary@"},
        "Enter a valid email address.",
        id="email-without-domain",
    ),
    pytest.param({"email": ""}, "This field is required.", id="missing-email"),
    pytest.param(
        {"password2": "different-pass-7734"},
        "The two passwords differ.",
        id="password-mismatch",
    ),
    pytest.param(
        {"password1": "Sh0rt-pass", "password2": "Sh0rt-pass"},
        "This password is too short. It must contain at least 12 characters.",
        id="short-password",
    ),
    pytest.param(
        {"password1": "qwerty123456", "password2": "qwerty123456"},
        "This password is too common.",
        id="common-password",
    ),
    pytest.param(
        {"password1": "602938475610", "password2": "602938475610"},
        "This password is entirely numeric.",
        id="numeric-password",
    ),
    pytest.param(
        {"password1": "", "password2": ""},
        "This field is required.",
        id="missing-password",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("override", "message"), INVALID_SIGN_UPS)
def test_invalid_sign_up_rerenders(client, canary, outbox, override, message):
    data = sign_up_data(canary.email, canary.password) | override

    response = client.post(SIGN_UP, data)

    assert response.status_code == 200
    assert "onboarding/sign_up.html" in template_names(response)
    assert escape(message) in response.content.decode()
    assert not User.objects.exists()
    assert outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(("override", "message"), INVALID_SIGN_UPS)
def test_invalid_sign_up_hides_password(client, canary, override, message):
    data = sign_up_data(canary.email, canary.password) | override

    response = client.post(SIGN_UP, data)

    for password in {data["password1"], data["password2"]} - {""}:
        assert password.encode() not in response.content


@pytest.mark.django_db(transaction=True)
def test_racing_sign_ups_create_one_user(canary, outbox, monkeypatch, caplog):
    responses = racing_sign_ups(canary.email, canary.password, monkeypatch)

    assert [response.status_code for response in responses] == [302, 302]
    assert User.objects.count() == 1
    # The losing thread took the IntegrityError path, so the race happened.
    assert RACE_LOG_MESSAGE in caplog.messages


ACCOUNTS = [
    pytest.param(None, id="new-address"),
    pytest.param("verified_user", id="verified-owner"),
    pytest.param("unverified_user", id="unverified-owner"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("account", ACCOUNTS)
def test_email_carries_no_personal_data(client, canary, outbox, request, account):
    if account is not None:
        request.getfixturevalue(account)

    client.post(SIGN_UP, sign_up_data(canary.email, canary.password))

    local_part = canary.email.split("@")[0]
    assert len(outbox) == 1
    for text in (outbox[0].subject, outbox[0].body):
        assert local_part.lower() not in text.lower()
        assert canary.password not in text
    assert outbox[0].body.startswith("Hello,\n")


@pytest.mark.django_db
def test_non_ascii_address_rejected(client, outbox):
    # U+212A KELVIN SIGN lower-cases to an ASCII "k", so without this rule
    # the address would share a blind index with its ASCII twin.
    response = client.post(
        reverse("onboarding:sign-up"),
        {
            "email": "\u212aelvin@example.com",
            "password1": "a-long-unusual-password",
            "password2": "a-long-unusual-password",
        },
    )

    assert response.status_code == 200
    assert b"ASCII characters only" in response.content
    assert not User.objects.exists()
    assert outbox == []
