import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# The account that tests/conftest.py's staff_user fixture creates.
STAFF_EMAIL = "staff.member@example.com"
STAFF_PASSWORD = "staff-password-1"

LOGIN_URL = reverse("staff:login")
INDEX_URL = reverse("staff:index")
CHANGELIST_URL = reverse("staff:onboarding_applicant_changelist")
TWO_FACTOR_URL = reverse("staff:two_factor")
ENROL_URL = reverse("staff:two_factor_enrol")
QR_CODE_URL = reverse("staff:two_factor_qr_code")
STEP_UP_URL = reverse("staff:step_up")
LOGOUT_URL = reverse("staff:logout")


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """Return the device's code for the current time step or a later one.

    A TOTP device accepts each time step once, so a test that verifies
    twice requests the next step's code the second time. The device's
    tolerance of one step accepts it.
    """
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_with_password(client, *, next_url: str = "", **extra):
    data = {"username": STAFF_EMAIL, "password": STAFF_PASSWORD, "next": next_url}
    return client.post(LOGIN_URL, data, **extra)


@pytest.fixture
def backup_codes(staff_user, staff_totp_device) -> list[str]:
    device = StaticDevice.objects.create(user=staff_user, name="Backup codes")
    codes = ["alpha234", "bravo567"]
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return codes
