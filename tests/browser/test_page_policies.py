"""Every main page in Chromium with the Content-Security-Policy enforced.

The policy and Permissions-Policy headers are the same in every deployment
environment, so the live server with the test settings sends the headers
that production sends. A page that breaks the policy, such as one with an
inline script, or a header that Chromium cannot parse, shows up as a
console error.
"""

import re

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, expect

from tests.browser.staff_pages import (
    assert_no_csp_violation,
    collect_console_messages,
    field,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The pages an anonymous visitor loads, with a text each one shows.
ANONYMOUS_PAGES = {
    "/": "Open your account",
    "/sign-up/": "Sign up",
    "/sign-in/": "Sign in",
    "/staff/login/": "staff portal",
}


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    # pytest-playwright resolves page.goto("/path") against this URL.
    return live_server.url


@pytest.fixture
def console_messages(page: Page) -> list[ConsoleMessage]:
    return collect_console_messages(page)


@pytest.fixture
def page_errors(page: Page) -> list[Error]:
    errors: list[Error] = []

    def keep(error: Error) -> None:
        errors.append(error)

    page.on("pageerror", keep)
    return errors


def visit(page: Page, path: str) -> None:
    """Load ``path`` and check that it was sent with an enforced policy."""
    response = page.goto(path)
    assert response is not None, path
    assert response.status == 200, f"{path} returned {response.status}"
    headers = response.headers
    assert "default-src 'none'" in headers["content-security-policy"], path
    assert "camera=()" in headers["permissions-policy"], path
    # The stylesheet loads under style-src 'self'; a blocked one would leave
    # the page unstyled and log a violation.
    expect(page.locator("link[rel=stylesheet]").first).to_be_attached()


def assert_clean_console(
    messages: list[ConsoleMessage], errors: list[Error], *, path: str
) -> None:
    assert_no_csp_violation(messages)
    console_errors = [m.text for m in messages if m.type == "error"]
    assert not console_errors, f"console errors on {path}: {console_errors}"
    assert not errors, f"script errors on {path}: {[e.message for e in errors]}"


@pytest.mark.parametrize("path", list(ANONYMOUS_PAGES))
def test_anonymous_page_keeps_policy(page, console_messages, page_errors, path):
    visit(page, path)

    assert ANONYMOUS_PAGES[path] in page.content()
    assert_clean_console(console_messages, page_errors, path=path)


def test_wizard_keeps_policy(
    page, console_messages, page_errors, verified_user, canary
):
    visit(page, "/sign-in/")
    field(page, "Email address").fill(canary.email)
    field(page, "Password").fill(canary.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/apply/$"))

    visit(page, "/apply/")

    assert_clean_console(console_messages, page_errors, path="/apply/")
