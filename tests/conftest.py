from typing import Any

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onboarding.models import Applicant, User
from onboarding.staff.two_factor import OTP_VERIFIED_AT_SESSION_KEY
from tests.cache_scan import clear_cache_keys
from tests.canaries import Canary, make_canary

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Without this rule Chromium looks up Google hosts in the background.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


class SignInClient(Client):
    """Django's test client, whose login() gives authenticate() a request.

    django-axes' backend rejects an authenticate() call without a request,
    because it counts failures per client address.
    """

    def login(self, **credentials: Any) -> bool:
        credentials.setdefault("request", RequestFactory().post("/sign-in/"))
        return super().login(**credentials)


@pytest.fixture
def client() -> Client:
    return SignInClient()


@pytest.fixture
def canary() -> Canary:
    return make_canary()


@pytest.fixture
def verified_user(canary, db) -> User:
    from django.utils import timezone

    return User.objects.create_user(
        canary.email, canary.password, email_verified_at=timezone.now()
    )


@pytest.fixture
def signed_in_client(client, verified_user, canary):
    assert client.login(username=canary.email, password=canary.password)
    return client


@pytest.fixture
def staff_user(db) -> User:
    return User.objects.create_superuser("staff.member@example.com", "staff-password-1")


@pytest.fixture
def staff_totp_device(staff_user) -> TOTPDevice:
    return TOTPDevice.objects.create(
        user=staff_user, name="Authenticator app", confirmed=True
    )


@pytest.fixture
def password_only_staff_client(client, staff_user, staff_totp_device):
    """Return a client past the password step of the staff sign-in only."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def staff_client(password_only_staff_client, staff_totp_device):
    """Return a client signed in to the staff portal with both factors."""
    verify_second_factor(password_only_staff_client, staff_totp_device)
    return password_only_staff_client


def verify_second_factor(client, device: TOTPDevice) -> None:
    """Mark the client's session as verified by ``device`` just now."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[OTP_VERIFIED_AT_SESSION_KEY] = timezone.now().isoformat()
    session.save()


@pytest.fixture(autouse=True)
def lockout_counters_cleared() -> None:
    # django-axes counts failed sign-ins per address in Redis, so failures
    # left by one test would otherwise lock out 127.0.0.1 in later ones.
    clear_cache_keys()


@pytest.fixture
def outbox():
    return mail.outbox


@pytest.fixture
def submitted_applicant(verified_user, canary) -> Applicant:
    from onboarding import services

    applicant = services.applicant_for_user(user=verified_user)
    return services.applicant_submit(
        applicant=applicant, data=canary_wizard_data(canary)
    )


def canary_wizard_data(canary: Canary) -> dict:
    import datetime

    return {
        "legal_name": canary.legal_name,
        "date_of_birth": datetime.date.fromisoformat(canary.date_of_birth),
        "phone": canary.phone_e164,
        "address_line1": canary.address_line1,
        "address_line2": "",
        "postal_code": canary.postal_code,
        "city": canary.city,
        "address_country": "FI",
        "national_id_country": "FI",
        "national_id": canary.national_id,
    }
