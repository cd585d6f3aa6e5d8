"""The e-mailed verification link, and signing in before and after it.

Only POST spends a link: mail scanners and link previews fetch with GET.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from onboarding.models import EmailVerification, User

SIGN_UP = reverse("onboarding:sign-up")
SIGN_IN = reverse("onboarding:sign-in")
LINK_PATTERN = re.compile(r"https?://\S+/verify/[\w-]+/")
CONFIRM_BUTTON = b"Confirm my address"
LINK_FAILED = b"This link no longer works"


@pytest.fixture
def link_path(client, canary, outbox) -> str:
    """The path of the link e-mailed by a fresh sign-up with the canary."""
    sign_up(client, canary)
    [link] = LINK_PATTERN.findall(outbox[-1].body)
    return urlsplit(link).path


@pytest.fixture
def user(link_path) -> User:
    return User.objects.get()


def sign_up(client, canary) -> None:
    client.post(
        SIGN_UP,
        {
            "email": canary.email,
            "password1": canary.password,
            "password2": canary.password,
        },
    )


def sign_in(client, email: str, password: str):
    return client.post(SIGN_IN, {"username": email, "password": password})


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_get_shows_confirm_button(client, link_path):
    response = client.get(link_path)

    assert response.status_code == 200
    assert CONFIRM_BUTTON in response.content


@pytest.mark.django_db
def test_get_does_not_spend_link(client, link_path, user):
    client.get(link_path)
    client.get(link_path)

    user.refresh_from_db()
    assert not user.is_email_verified
    assert EmailVerification.objects.get().used_at is None
    assert CONFIRM_BUTTON in client.get(link_path).content


@pytest.mark.django_db
def test_post_verifies_address(client, link_path, user, canary):
    response = client.post(link_path, {"password": canary.password})

    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    user.refresh_from_db()
    assert user.is_email_verified


@pytest.mark.django_db
def test_post_spends_link(client, link_path, canary):
    client.post(link_path, {"password": canary.password})

    assert EmailVerification.objects.get().used_at is not None


@pytest.mark.django_db
def test_second_post_fails(client, link_path, user, canary):
    client.post(link_path, {"password": canary.password})
    verified_at = User.objects.get().email_verified_at

    response = client.post(link_path, {"password": canary.password})

    assert response.status_code == 200
    assert LINK_FAILED in response.content
    user.refresh_from_db()
    assert user.email_verified_at == verified_at


@pytest.mark.django_db
def test_spent_link_get_fails(client, link_path, canary):
    client.post(link_path, {"password": canary.password})

    response = client.get(link_path)

    assert response.status_code == 200
    assert LINK_FAILED in response.content
    assert CONFIRM_BUTTON not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_expired_link_fails(client, link_path, user, method):
    EmailVerification.objects.update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = getattr(client, method)(link_path)

    assert response.status_code == 200
    assert LINK_FAILED in response.content
    user.refresh_from_db()
    assert not user.is_email_verified


@pytest.mark.django_db
def test_earlier_link_spent_with_newer(client, canary, link_path, outbox, user):
    sign_up(client, canary)
    [newer_link] = LINK_PATTERN.findall(outbox[-1].body)
    client.post(urlsplit(newer_link).path, {"password": canary.password})

    response = client.post(link_path, {"password": canary.password})

    assert LINK_FAILED in response.content


GARBAGE_TOKENS = [
    pytest.param("garbage", id="short-word"),
    pytest.param("A" * 2000, id="very-long"),
    pytest.param("%00", id="null-byte"),
    pytest.param("%C3%A9%E2%82%AC%F0%9F%94%91", id="non-ascii"),
    pytest.param("%FF%FE", id="invalid-utf8"),
    pytest.param("'%20OR%20'1'='1", id="sql-quote"),
    pytest.param("Zq9-" * 10 + "Zq9", id="well-formed-unknown"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("token", GARBAGE_TOKENS)
def test_garbage_token_fails(client, token, method):
    response = getattr(client, method)(f"/verify/{token}/")

    assert response.status_code == 200
    assert LINK_FAILED in response.content


@pytest.mark.django_db
def test_unverified_user_cannot_sign_in(client, canary, user):
    response = sign_in(client, canary.email, canary.password)

    assert response.status_code == 200
    assert b"the address is not confirmed yet" in response.content
    assert signed_in_user_id(client) is None


ADDRESS_SPELLINGS = [
    pytest.param(str.lower, id="lower-case"),
    pytest.param(str.upper, id="upper-case"),
    pytest.param(str.title, id="title-case"),
    pytest.param(lambda address: f"  {address.upper()} ", id="padded"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("spell", ADDRESS_SPELLINGS)
def test_verified_user_signs_in(client, canary, link_path, user, spell):
    client.post(link_path, {"password": canary.password})

    response = sign_in(client, spell(canary.email), canary.password)

    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:wizard")
    assert signed_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_verified_user_wrong_password(client, canary, link_path, user):
    client.post(link_path, {"password": canary.password})

    response = sign_in(client, canary.email, f"{canary.password}-wrong")

    assert response.status_code == 200
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_wrong_password_keeps_link_usable(client, canary, link_path, user):
    response = client.post(link_path, {"password": "not-the-sign-up-password"})

    assert response.status_code == 200
    assert b"This is not the password chosen" in response.content
    user.refresh_from_db()
    assert not user.is_email_verified
    assert EmailVerification.objects.get().used_at is None


@pytest.mark.django_db
def test_first_sign_up_cannot_set_owners_password(client, canary, outbox):
    """Someone who signs up first with another person's address gains nothing.

    The owner signs up later with their own password and confirms their own
    link; the account then has the owner's password, not the first one.
    """
    squatter_password = "squatter-password-xyz"
    client.post(
        SIGN_UP,
        {
            "email": canary.email,
            "password1": squatter_password,
            "password2": squatter_password,
        },
    )
    sign_up(client, canary)
    [owners_link] = LINK_PATTERN.findall(outbox[-1].body)

    client.post(urlsplit(owners_link).path, {"password": canary.password})

    assert sign_in(client, canary.email, canary.password).status_code == 302
    client.post(reverse("onboarding:sign-out"))
    assert sign_in(client, canary.email, squatter_password).status_code == 200


@pytest.mark.django_db
def test_squatters_link_needs_squatters_password(client, canary, outbox):
    squatter_password = "squatter-password-xyz"
    client.post(
        SIGN_UP,
        {
            "email": canary.email,
            "password1": squatter_password,
            "password2": squatter_password,
        },
    )
    [squatters_link] = LINK_PATTERN.findall(outbox[-1].body)
    sign_up(client, canary)

    response = client.post(urlsplit(squatters_link).path, {"password": canary.password})

    assert b"This is not the password chosen" in response.content
    assert not User.objects.get().is_email_verified


@pytest.mark.django_db
def test_account_unusable_before_confirmation(client, canary, user):
    assert not user.has_usable_password()
