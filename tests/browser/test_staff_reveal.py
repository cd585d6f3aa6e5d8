"""Reveals in the staff portal, in Chromium on a live server.

A compliance officer finds an applicant by exact email, reveals the phone
number with a reason, and a security analyst finds the reveal in the access
log. A support agent sees no reveal control, and a reveal it forges is
rejected and logged. Each staff member signs in through the real password
and second-factor pages. Apart from the one reveal response, no page or
URL that the browsers load may contain a canary value, and no page may
break the Content-Security-Policy.
"""

import html
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import APIResponse, BrowserContext, Page, Response, expect

from audit.models import AccessEvent
from onboarding.models import Applicant, User
from onboarding.roles import ensure_roles
from tests.browser.staff_pages import (
    assert_no_csp_violation,
    collect_console_messages,
    open_applicant_list,
    sign_in_to_staff_portal,
    sign_in_with_device,
)
from tests.canaries import Canary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "staff-password-1"
REASON = "Applicant asked by phone to confirm the number on file."
REVEALED_FIELD = "phone"


@dataclass
class LoadedPage:
    """An HTML document or a redirect that a browser received."""

    method: str
    url: str
    location: str = ""
    html: str = ""


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    # pytest-playwright resolves page.goto("/path") against this URL.
    return live_server.url


@pytest.fixture
def staff_roles(db) -> None:
    # Transactional tests flush the groups that the migration made.
    ensure_roles(apps)


@pytest.fixture
def compliance_officer(staff_roles) -> User:
    return staff_account("Compliance", "compliance.officer@example.com")


@pytest.fixture
def support_agent(staff_roles) -> User:
    return staff_account("Support", "support.agent@example.com")


@pytest.fixture
def security_analyst(staff_roles) -> User:
    return staff_account("Security", "security.analyst@example.com")


def staff_account(role: str, email: str) -> User:
    user = User.objects.create_user(
        email, STAFF_PASSWORD, is_staff=True, email_verified_at=timezone.now()
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )


@pytest.fixture
def security_page(new_context) -> Page:
    """Return a page in a second browser context, which has its own cookies."""
    return new_context().new_page()


def test_compliance_reveal_is_logged(
    page: Page,
    security_page: Page,
    compliance_officer: User,
    security_analyst: User,
    submitted_applicant: Applicant,
    canary: Canary,
):
    console = collect_console_messages(page)
    loaded = collect_loaded_pages(page.context)
    security_console = collect_console_messages(security_page)
    security_loaded = collect_loaded_pages(security_page.context)

    sign_in_to_staff_portal(
        page, email=compliance_officer.email, password=STAFF_PASSWORD
    )
    search_applicants(page, canary.email)
    open_record(page, submitted_applicant.reference)
    reveal_response = reveal_field(page, REVEALED_FIELD, reason=REASON)

    expect(page.locator(".revealed-value")).to_have_text(canary.phone_e164)
    assert "no-store" in reveal_response.headers["cache-control"], (
        "the reveal response may be kept in the browser's cache"
    )

    sign_in_with_device(
        security_page,
        email=security_analyst.email,
        password=STAFF_PASSWORD,
        device=confirmed_device(security_analyst),
    )
    open_access_log(security_page, submitted_applicant.reference)
    expect_reveal_entry(security_page, submitted_applicant.reference)

    others = assert_reveal_response_shows_value(loaded, canary)
    assert_no_canary_in_pages(others, canary)
    assert_no_canary_in_pages(security_loaded, canary)
    assert_no_csp_violation(console + security_console)


def test_support_reveal_is_refused(
    page: Page,
    live_server,
    support_agent: User,
    submitted_applicant: Applicant,
    canary: Canary,
):
    console = collect_console_messages(page)
    loaded = collect_loaded_pages(page.context)

    sign_in_with_device(
        page,
        email=support_agent.email,
        password=STAFF_PASSWORD,
        device=confirmed_device(support_agent),
    )
    search_applicants(page, canary.email)
    open_record(page, submitted_applicant.reference)
    expect(page.get_by_role("link", name="Reveal")).to_have_count(0)
    expect(page.locator("#reveal-fields")).to_have_count(0)

    url = live_server.url + reveal_path(submitted_applicant, REVEALED_FIELD)
    forged = forge_reveal(page, url)

    assert forged.status == 403, f"the forged reveal returned {forged.status}"
    assert_no_canary_in_text(forged.text(), canary, sink="forged reveal response")
    assert denied_reveals(support_agent, submitted_applicant) == 1, (
        "the access log lacks one denied reveal by the support agent"
    )
    assert_no_canary_in_pages(loaded, canary)
    assert_no_csp_violation(console)


# Compliance officer phases


def search_applicants(page: Page, term: str) -> None:
    """Type ``term`` into the applicant list's search box and submit it."""
    open_applicant_list(page)
    page.get_by_role("textbox", name="Search").fill(term)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)


def open_record(page: Page, reference: str) -> None:
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=2, name=reference)).to_be_visible()


def reveal_field(page: Page, name: str, *, reason: str) -> Response:
    """Follow the record's reveal link, give a reason and submit it."""
    page.get_by_role("link", name=f"Reveal {name}", exact=True).click()
    page.get_by_label(re.compile(r"^Why do you need this value\?")).fill(reason)
    with page.expect_response(is_reveal_submission) as submission:
        page.get_by_role("button", name="Reveal", exact=True).click()
    return submission.value


def is_reveal_submission(response: Response) -> bool:
    return is_reveal_post(response.request.method, response.url)


def is_reveal_post(method: str, url: str) -> bool:
    return method == "POST" and "/reveal/" in url


def reveal_path(applicant: Applicant, name: str) -> str:
    return reverse(
        "staff:onboarding_applicant_reveal", args=[applicant.reference, name]
    )


# Security analyst phases


def open_access_log(page: Page, reference: str) -> None:
    """Open the access log from the portal's index and search a reference."""
    page.get_by_role("link", name="Access events", exact=True).click()
    page.get_by_role("textbox", name="Search").fill(reference)
    page.get_by_role("button", name="Search").click()


def expect_reveal_entry(page: Page, reference: str) -> None:
    rows = page.locator("#result_list tbody tr")
    reveal_rows = rows.filter(has_text=reference).filter(has_text="Revealed a field")
    expect(reveal_rows).to_have_count(1)
    expect(reveal_rows).to_contain_text(REVEALED_FIELD)
    expect(reveal_rows).to_contain_text("Allowed")


# Support agent phases


def forge_reveal(page: Page, url: str) -> APIResponse:
    """POST a reveal from the page's session, as a hand-made request would."""
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    return page.request.post(
        url,
        form={"csrfmiddlewaretoken": token, "reason": REASON, "action": "reveal"},
        max_redirects=0,
    )


def denied_reveals(actor: User, applicant: Applicant) -> int:
    return AccessEvent.objects.filter(
        actor=actor,
        action=AccessEvent.Action.REVEAL,
        outcome=AccessEvent.Outcome.DENIED,
        applicant_reference=applicant.reference,
        field=REVEALED_FIELD,
        detail__rule="permission",
    ).count()


# Checks on sinks


def collect_loaded_pages(context: BrowserContext) -> list[LoadedPage]:
    """Return a list that receives every HTML document ``context`` loads.

    Redirects are kept with their Location URL instead of a body. A body is
    read as the response arrives, because Chromium may drop it once the
    next page loads.
    """
    loaded: list[LoadedPage] = []

    def keep(response: Response) -> None:
        method = response.request.method
        if 300 <= response.status < 400:
            location = response.headers.get("location", "")
            loaded.append(LoadedPage(method, response.url, location=location))
        elif response.headers.get("content-type", "").startswith("text/html"):
            loaded.append(LoadedPage(method, response.url, html=response.text()))

    context.on("response", keep)
    return loaded


def assert_reveal_response_shows_value(
    loaded: list[LoadedPage], canary: Canary
) -> list[LoadedPage]:
    """Check that the reveal response contains the value; return the others.

    The scan of the other pages is only as good as its search, so it is
    first shown to find the value in the one page that must contain it.
    """
    reveals = [
        loaded_page
        for loaded_page in loaded
        if is_reveal_post(loaded_page.method, loaded_page.url)
    ]
    assert len(reveals) == 1, f"the browser loaded {len(reveals)} reveal responses"
    assert canary.phone_e164 in reveals[0].html, (
        "the reveal response lacks the revealed phone number"
    )
    return [loaded_page for loaded_page in loaded if loaded_page is not reveals[0]]


def assert_no_canary_in_pages(loaded: list[LoadedPage], canary: Canary) -> None:
    assert loaded, "the browser loaded no HTML page, so none was checked"
    for loaded_page in loaded:
        sink = f"{loaded_page.method} {path_of(loaded_page.url)}"
        assert_no_canary_in_text(loaded_page.url, canary, sink=f"URL of {sink}")
        assert_no_canary_in_text(
            loaded_page.location, canary, sink=f"redirect location of {sink}"
        )
        assert_no_canary_in_text(loaded_page.html, canary, sink=f"HTML of {sink}")


def assert_no_canary_in_text(text: str, canary: Canary, *, sink: str) -> None:
    """Check ``text`` for each canary value, also after URL and HTML decoding."""
    forms = readable_forms(text)
    for kind, value in canary.values().items():
        # The flag keeps pytest's assertion rewriting from printing the value
        # in the failure report.
        leaked = any(value.lower() in form for form in forms)
        assert not leaked, f"the {sink} contains the {kind}"


def readable_forms(text: str) -> list[str]:
    """Return ``text`` as received, HTML-unescaped and URL-decoded twice.

    The admin's preserved filters put a query string inside a query string,
    so a value in them is percent-encoded twice.
    """
    forms = [text, html.unescape(text)]
    for _ in range(2):
        forms.append(unquote_plus(forms[-1]))
    return [form.lower() for form in forms]


def path_of(url: str) -> str:
    # A URL's query string may hold the very value the scan looks for, so
    # messages name the path only.
    return url.split("?", 1)[0]
