"""The applicant journey and the staff portal, in Chromium on a live server.

Each test drives the pages as a person would: it types into labelled fields
and presses buttons. Canary values planted through the browser must then be
absent from every database column, from decoded sessions, from the browser's
cookies and from the staff portal's pages, and no page may break the
Content-Security-Policy.
"""

import json
import re
import zlib
from urllib.parse import unquote

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from onboarding.models import Applicant, User
from tests.browser.staff_pages import (
    assert_no_canary_in_html,
    assert_no_csp_violation,
    collect_console_messages,
    field,
    open_applicant_list,
    sign_in_to_staff_portal,
)
from tests.canaries import Canary
from tests.database_scan import assert_nowhere

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_EMAIL = "staff.member@example.com"
STAFF_PASSWORD = "staff-password-1"
VERIFICATION_LINK = re.compile(r"http://\S+/verify/[\w-]+/")


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    # pytest-playwright resolves page.goto("/path") against this URL.
    return live_server.url


@pytest.fixture(autouse=True)
def site_url(settings, live_server) -> str:
    # The live server runs in this process, so the links it e-mails are
    # built from the overridden setting and point back at it.
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def console_messages(page: Page) -> list[ConsoleMessage]:
    return collect_console_messages(page)


@pytest.fixture
def responses(page: Page) -> list[Response]:
    received: list[Response] = []

    def keep(response: Response) -> None:
        received.append(response)

    page.on("response", keep)
    return received


@pytest.fixture
def staff_member(db) -> User:
    return User.objects.create_superuser(STAFF_EMAIL, STAFF_PASSWORD)


def test_applicant_journey_end_to_end(
    page, canary, mailoutbox, responses, console_messages
):
    sign_up(page, canary)
    confirm_email(page, verification_link(mailoutbox), canary)
    sign_in(page, canary)

    fill_wizard_until_review(page, canary)
    assert_no_canary_at_rest(page, responses, canary, moment="at the review step")

    submit_application(page)
    reference = applicant_of(canary).reference
    expect_confirmation(page, reference)

    sign_out(page)
    sign_in(page, canary)
    expect_confirmation(page, reference)

    assert_no_canary_at_rest(page, responses, canary, moment="after signing in again")
    assert_no_csp_violation(console_messages)


def test_staff_portal_shows_masks_only(
    page, canary, mailoutbox, staff_member, console_messages
):
    sign_up(page, canary)
    confirm_email(page, verification_link(mailoutbox), canary)
    sign_in(page, canary)
    fill_wizard_until_review(page, canary)
    submit_application(page)
    sign_out(page)
    reference = applicant_of(canary).reference

    sign_in_to_staff_portal(page, email=STAFF_EMAIL, password=STAFF_PASSWORD)
    open_applicant_list(page)
    assert_masks_shown(page, canary, page_name="applicant list")
    assert_no_canary_in_html(page, canary, page_name="applicant list")

    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=2, name=reference)).to_be_visible()
    assert_masks_shown(page, canary, page_name="applicant detail page")
    assert_detail_masks_shown(page, canary)
    assert_no_canary_in_html(page, canary, page_name="applicant detail page")

    assert_no_csp_violation(console_messages)


# Applicant phases


def sign_up(page: Page, canary: Canary) -> None:
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    field(page, "Email address").fill(canary.email)
    field(page, "Password").fill(canary.password)
    field(page, "Password again").fill(canary.password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")


def verification_link(outbox: list) -> str:
    assert len(outbox) == 1, "sign-up did not send exactly one e-mail"
    match = VERIFICATION_LINK.search(outbox[0].body)
    assert match, "the verification e-mail has no link to the live server"
    return match.group(0)


def confirm_email(page: Page, link: str, canary: Canary) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Confirm your email address"
    )
    page.get_by_label("Your password").fill(canary.password)
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()


def sign_in(page: Page, canary: Canary) -> None:
    page.goto("/sign-in/")
    field(page, "Email address").fill(canary.email)
    field(page, "Password").fill(canary.password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def fill_wizard_until_review(page: Page, canary: Canary) -> None:
    """Fill the steps up to review, going Back once to check the kept data."""
    expect_step(page, "Identity")
    field(page, "Full legal name").fill(canary.legal_name)
    field(page, "Date of birth").fill(canary.date_of_birth)
    press_continue(page)

    expect_step(page, "Contact details")
    field(page, "Phone number").fill(canary.phone)
    field(page, "Address line 1").fill(canary.address_line1)
    field(page, "Postal code").fill(canary.postal_code)
    field(page, "City").fill(canary.city)
    field(page, "Country").select_option("FI")
    press_continue(page)

    expect_step(page, "National ID")
    page.get_by_role("button", name="Back").click()
    expect_step(page, "Contact details")
    expect(field(page, "Phone number")).to_have_value(canary.phone)
    expect(field(page, "Address line 1")).to_have_value(canary.address_line1)
    expect(field(page, "Postal code")).to_have_value(canary.postal_code)
    expect(field(page, "City")).to_have_value(canary.city)
    expect(field(page, "Country")).to_have_value("FI")
    press_continue(page)

    expect_step(page, "National ID")
    field(page, "Issuing country").select_option("FI")
    field(page, "National ID number").fill(canary.national_id)
    press_continue(page)

    expect_step(page, "Review and consent")
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text(canary.legal_name)
    expect(summary).to_contain_text(canary.phone_e164)
    expect(summary).to_contain_text(canary.national_id)


def submit_application(page: Page) -> None:
    page.get_by_label("I confirm that these details are correct").check()
    page.get_by_role("button", name="Submit application").click()


def expect_step(page: Page, title: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def press_continue(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


def expect_confirmation(page: Page, reference: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Application received")
    expect(page.locator(".reference")).to_have_text(reference)


def applicant_of(canary: Canary) -> Applicant:
    return User.objects.get_by_natural_key(canary.email).applicant


# Staff phases


def assert_masks_shown(page: Page, canary: Canary, *, page_name: str) -> None:
    """Check the email, phone and name masks, which both staff pages show."""
    # The masks are written out here instead of calling vault.masking, so a
    # change to a mask fails this test.
    text = page.locator("#content").inner_text()
    email_mask = f"{canary.email[0]}***@example.com"
    phone_mask = f"*** *** {canary.phone_e164[-4:]}"
    name_mask = " ".join(f"{word[0]}***" for word in canary.legal_name.split())
    assert email_mask in text, f"the {page_name} lacks the email mask"
    assert phone_mask in text, f"the {page_name} lacks the phone mask"
    assert name_mask in text, f"the {page_name} lacks the legal name mask"


def assert_detail_masks_shown(page: Page, canary: Canary) -> None:
    """Check the masks that only the applicant detail page shows."""
    text = page.locator("#content").inner_text()
    national_id_characters = "".join(ch for ch in canary.national_id if ch.isalnum())
    national_id_mask = f"*** *** {national_id_characters[-4:]}"
    assert "****-**-**" in text, "the applicant detail page lacks the birth date mask"
    assert national_id_mask in text, (
        "the applicant detail page lacks the national ID mask"
    )


# Checks on sinks


def assert_no_canary_at_rest(
    page: Page, responses: list[Response], canary: Canary, *, moment: str
) -> None:
    assert_nowhere(canary.searchable_values())
    assert_no_canary_in_sessions(canary, moment=moment)
    assert_no_canary_in_cookies(page, responses, canary, moment=moment)


def assert_no_canary_in_sessions(canary: Canary, *, moment: str) -> None:
    # The column scan cannot see into session_data, which Django stores as
    # signed base64 of JSON, compressed when that makes it shorter, so each
    # row is decoded here.
    sessions = list(Session.objects.all())
    assert sessions, f"no session row {moment}, so django_session went unchecked"
    for session in sessions:
        decoded = json.dumps(session.get_decoded(), cls=DjangoJSONEncoder).lower()
        for kind, value in canary.values().items():
            assert value.lower() not in decoded, (
                f"a decoded django_session row contains the {kind} {moment}"
            )


def assert_no_canary_in_cookies(
    page: Page, responses: list[Response], canary: Canary, *, moment: str
) -> None:
    """Check the cookie jar and every Set-Cookie header received so far.

    The headers also cover cookies that were set and deleted again between
    two checks, such as the messages cookie, which is deleted once the next
    page has shown its messages.
    """
    cookies = [(cookie["name"], cookie["value"]) for cookie in page.context.cookies()]
    for response in responses:
        for header in response.header_values("set-cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            cookies.append((name, value))
    assert cookies, f"the browser received no cookie {moment}, so none was checked"

    for name, value in cookies:
        readable = " ".join(cookie_texts(name, value)).lower()
        for kind, canary_value in canary.values().items():
            assert canary_value.lower() not in readable, (
                f"cookie {name} contains the {kind} {moment}"
            )


def cookie_texts(name: str, value: str) -> list[str]:
    """Return a cookie as sent, URL-decoded, and as a signed value's payload.

    Django's signed cookies, such as the messages cookie, carry base64 of
    JSON that is zlib-compressed when a leading dot marks it. The payload is
    read without checking the signature.
    """
    plain = unquote(value).strip('"')
    texts = [name, value, plain]
    payload = plain.split(":", 1)[0]
    try:
        data = signing.b64_decode(payload.removeprefix(".").encode())
        if payload.startswith("."):
            data = zlib.decompress(data)
        texts.append(data.decode())
    except (ValueError, zlib.error):
        pass  # Not a Django signed value, so the plain forms above cover it.
    return texts
