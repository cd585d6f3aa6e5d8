import pytest
from django.core import mail

from onboarding.models import Applicant, User
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
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


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
