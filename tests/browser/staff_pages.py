"""Steps and checks shared by the browser tests of the staff portal.

Each step drives the real pages as a staff member would: the password
form, the second-factor pages and the admin's own links and search box.
"""

import re
from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

from onboarding.staff.two_factor import BACKUP_CODE_COUNT
from tests.canaries import Canary

PORTAL_INDEX_HEADING = "Applicants and accounts"


def field(page: Page, label: str) -> Locator:
    """Find the input labelled ``label``, with or without Django's colon."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def collect_console_messages(page: Page) -> list[ConsoleMessage]:
    """Return a list that receives every console message ``page`` logs."""
    messages: list[ConsoleMessage] = []

    def keep(message: ConsoleMessage) -> None:
        messages.append(message)

    # Playwright cannot register a built-in such as list.append as a handler.
    page.on("console", keep)
    return messages


# Signing in


def submit_password(page: Page, *, email: str, password: str) -> None:
    """Pass the password step on the portal's sign-in page."""
    page.goto("/staff/login/")
    field(page, "Email address").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_to_staff_portal(page: Page, *, email: str, password: str) -> None:
    """Sign in for the first time, enrolling an authenticator app."""
    submit_password(page, email=email, password=password)
    enrol_authenticator(page)
    expect_portal_index(page)


def sign_in_with_device(
    page: Page, *, email: str, password: str, device: TOTPDevice
) -> None:
    """Sign in with the code that the confirmed ``device`` shows now."""
    submit_password(page, email=email, password=password)
    expect(page.get_by_role("heading", level=2)).to_have_text("Enter your code")
    expect(field(page, "Code from")).to_have_value(device.persistent_id)
    field(page, "Code").fill(device_totp_code(device))
    page.get_by_role("button", name="Verify").click()
    expect_portal_index(page)


def enrol_authenticator(page: Page) -> None:
    """Add a TOTP device on first sign-in, typing the code an app would show."""
    expect(page.get_by_role("heading", level=2)).to_have_text(
        "Set up two-factor authentication"
    )
    qr_code = page.get_by_role("img", name="QR code of the key below")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("image => image.naturalWidth") > 0, (
        "the QR code image did not load"
    )
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    field(page, "Code from the app").fill(current_totp_code(secret))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=2)).to_have_text("Your backup codes")
    expect(page.locator(".backup-codes li")).to_have_count(BACKUP_CODE_COUNT)
    page.get_by_role("link", name="I have saved my codes, continue").click()


def current_totp_code(secret: str) -> str:
    """Return the code an authenticator app shows now for a base32 key."""
    totp = TOTP(b32decode(secret))
    return f"{totp.token():06d}"


def device_totp_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def expect_portal_index(page: Page) -> None:
    expect(page.get_by_role("heading", name=PORTAL_INDEX_HEADING)).to_be_visible()


# Pages of the portal


def open_applicant_list(page: Page) -> None:
    page.get_by_role("link", name="Applicants", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Select applicant to view"
    )


# Checks on sinks


def assert_no_canary_in_html(page: Page, canary: Canary, *, page_name: str) -> None:
    html = page.content().lower()
    for kind, value in canary.values().items():
        assert value.lower() not in html, f"the {page_name} HTML contains the {kind}"


def assert_no_csp_violation(messages: list[ConsoleMessage]) -> None:
    violations = [m.text for m in messages if "Content Security Policy" in m.text]
    first_violations = " | ".join(violations[:3])
    assert not violations, (
        f"{len(violations)} CSP violations in the console: {first_violations}"
    )
