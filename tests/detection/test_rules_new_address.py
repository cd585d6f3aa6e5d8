"""A reveal soon after a staff sign-in from an address never seen before."""

import logging

import pytest
from django.contrib.auth.models import Group

from audit.models import SecurityEvent
from detection.models import StaffSignInAddress
from tests.conftest import verify_second_factor
from tests.detection.conftest import (
    alert_text,
    assert_alert_delivered,
    assert_no_canary,
    event_text,
    reveal,
)
from tests.staff.conftest import sign_in_with_password

pytestmark = pytest.mark.django_db(transaction=True)

RULE = "reveal after sign-in from a new address"
USUAL_ADDRESS = "192.0.2.10"
NEW_ADDRESS = "198.51.100.20"


@pytest.fixture(autouse=True)
def compliance_role(staff_user, staff_roles):
    # Reveals follow the role table, so the superuser needs a role that may.
    staff_user.groups.add(Group.objects.get(name="Compliance"))


def sign_in(client, device, address: str):
    response = sign_in_with_password(client, REMOTE_ADDR=address)
    verify_second_factor(client, device)
    return response


def new_address_events():
    return list(SecurityEvent.objects.filter(rule=RULE))


def test_reveal_after_new_address_trips(
    client,
    staff_user,
    staff_totp_device,
    submitted_applicant,
    canary,
    alert_channels,
    celery_worker,
    caplog,
):
    caplog.set_level(logging.INFO)
    sign_in(client, staff_totp_device, USUAL_ADDRESS)
    client.logout()
    sign_in(client, staff_totp_device, NEW_ADDRESS)

    response = reveal(client, submitted_applicant)

    assert response.status_code == 200
    [event] = new_address_events()
    assert event.severity == SecurityEvent.Severity.HIGH
    assert event.references == [submitted_applicant.reference]
    assert event.source == f"staff {staff_user.pk}"
    assert event.detail["field"] == "phone"
    assert_alert_delivered(event, alert_channels)
    texts = (event_text(event), alert_text(alert_channels), caplog.text)
    assert_no_canary(canary, *texts)
    for text in texts:
        assert NEW_ADDRESS not in text


def test_known_address_records_nothing(client, staff_totp_device, submitted_applicant):
    sign_in(client, staff_totp_device, USUAL_ADDRESS)
    client.logout()
    sign_in(client, staff_totp_device, USUAL_ADDRESS)

    assert reveal(client, submitted_applicant).status_code == 200
    assert new_address_events() == []


def test_first_address_is_not_new(client, staff_totp_device, submitted_applicant):
    sign_in(client, staff_totp_device, NEW_ADDRESS)

    assert reveal(client, submitted_applicant).status_code == 200
    assert new_address_events() == []


def test_one_event_per_new_address(client, staff_totp_device, submitted_applicant):
    sign_in(client, staff_totp_device, USUAL_ADDRESS)
    client.logout()
    sign_in(client, staff_totp_device, NEW_ADDRESS)

    reveal(client, submitted_applicant)
    reveal(client, submitted_applicant, "city")

    assert len(new_address_events()) == 1


def test_addresses_stored_as_blind_index(client, staff_totp_device):
    sign_in(client, staff_totp_device, NEW_ADDRESS)

    [row] = StaffSignInAddress.objects.all()
    assert NEW_ADDRESS not in row.address_index
    assert len(row.address_index) == 73
