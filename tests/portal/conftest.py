import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onboarding.models import User
from onboarding.roles import ensure_roles
from onboarding.staff.two_factor import OTP_VERIFIED_AT_SESSION_KEY

ROLES = ("Support", "Compliance", "Security", "Administrator")


def verify_second_factor(client, user: User) -> TOTPDevice:
    """Mark the client's session as having passed a TOTP check just now."""
    device = TOTPDevice.objects.create(user=user, name="test device", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[OTP_VERIFIED_AT_SESSION_KEY] = timezone.now().isoformat()
    session.save()
    return device


@pytest.fixture
def staff_roles(db) -> None:
    # Transactional tests flush the groups the migration made, so they are
    # restored here for every test that needs them.
    ensure_roles(apps)


@pytest.fixture
def make_staff(staff_roles):
    """Return a factory of staff members holding one role each."""
    created = []

    def make(role: str, *, email: str | None = None) -> User:
        address = email or f"{role.lower()}.{len(created)}@example.com"
        user = User.objects.create_user(
            address, "staff-password-1", is_staff=True, email_verified_at=timezone.now()
        )
        user.groups.add(Group.objects.get(name=role))
        created.append(user)
        return user

    return make


@pytest.fixture
def portal_client(client, make_staff):
    """Return a factory of clients signed in, with a second factor, as a role."""
    from django.test import Client

    def sign_in(role: str) -> Client:
        staff_member = make_staff(role)
        role_client = Client()
        role_client.force_login(staff_member)
        verify_second_factor(role_client, staff_member)
        role_client.staff_member = staff_member
        return role_client

    return sign_in
