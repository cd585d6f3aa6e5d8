"""Two-factor sign-in to the staff portal: enrolment, codes and step-up.

Every portal page needs a session verified by a TOTP code or a backup code.
A staff member without a device enrols one on first sign-in. The step-up
page refreshes the time of the last check that reveals depend on.
"""

import datetime
import re
from base64 import b32decode
from urllib.parse import urlencode

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from onboarding.staff.two_factor import (
    BACKUP_CODE_COUNT,
    OTP_VERIFIED_AT_SESSION_KEY,
    otp_verified_recently,
    provisioning_uri,
)
from tests.staff.conftest import (
    CHANGELIST_URL,
    ENROL_URL,
    INDEX_URL,
    LOGIN_URL,
    LOGOUT_URL,
    QR_CODE_URL,
    STAFF_EMAIL,
    STEP_UP_URL,
    TWO_FACTOR_URL,
    sign_in_with_password,
    totp_code,
)

pytestmark = pytest.mark.django_db

BACKUP_CODE_PATTERN = re.compile(r"<li><code>([a-z2-7]{8})</code></li>")


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url}, safe='/')}"


def pending_device(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


def enter_code(client, device, *, url: str = TWO_FACTOR_URL, **data):
    payload = {"otp_token": totp_code(device)}
    # The enrolment form has no device choice, and strict input rejects a
    # field that a form does not declare.
    if url != ENROL_URL:
        payload["otp_device"] = device.persistent_id
    return client.post(url, {**payload, **data})


def wrong_code(device) -> str:
    """Return a 6-digit code that differs from the device's current one."""
    return f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"


def verified_at(client) -> datetime.datetime:
    return datetime.datetime.fromisoformat(client.session[OTP_VERIFIED_AT_SESSION_KEY])


def set_verified_at(client, moment: datetime.datetime) -> None:
    session = client.session
    session[OTP_VERIFIED_AT_SESSION_KEY] = moment.isoformat()
    session.save()


# First sign-in: enrolment


def test_password_step_leads_to_enrolment(client, staff_user):
    response = sign_in_with_password(client)

    assert response.status_code == 302
    assert response["Location"] == ENROL_URL
    assert client.session[SESSION_KEY] == str(staff_user.pk)


def test_enrolment_page_shows_secret(client, staff_user):
    sign_in_with_password(client)

    response = client.get(ENROL_URL)

    assert response.status_code == 200
    device = pending_device(staff_user)
    secret = response.context["secret"].replace(" ", "")
    assert device.bin_key == b32decode(secret)
    assert f'src="{QR_CODE_URL}"' in response.content.decode()


def test_enrolment_reload_keeps_secret(client, staff_user):
    sign_in_with_password(client)

    first = client.get(ENROL_URL).context["secret"]
    second = client.get(ENROL_URL).context["secret"]

    assert first == second
    assert TOTPDevice.objects.filter(user=staff_user).count() == 1


def test_qr_code_served_as_svg(client, staff_user):
    sign_in_with_password(client)
    client.get(ENROL_URL)

    response = client.get(QR_CODE_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert response["Cache-Control"].startswith("max-age=0")


def test_qr_code_needs_password_step(client, staff_user):
    response = client.get(QR_CODE_URL)

    assert response.status_code == 403


def test_qr_code_gone_after_enrolment(client, staff_user):
    sign_in_with_password(client)
    client.get(ENROL_URL)
    enter_code(client, pending_device(staff_user), url=ENROL_URL)

    response = client.get(QR_CODE_URL)

    assert response.status_code == 403


def test_provisioning_uri_masks_address(staff_user):
    device = TOTPDevice.objects.create(user=staff_user, confirmed=False)

    uri = provisioning_uri(device)

    assert uri.startswith("otpauth://totp/")
    assert STAFF_EMAIL not in uri
    assert "staff.member" not in uri
    assert "s%2A%2A%2A%40example.com" in uri


def test_enrolment_confirms_device(client, staff_user):
    sign_in_with_password(client)
    client.get(ENROL_URL)
    device = pending_device(staff_user)

    response = enter_code(client, device, url=ENROL_URL)

    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(CHANGELIST_URL).status_code == 200


def test_enrolment_shows_backup_codes(client, staff_user):
    sign_in_with_password(client)
    client.get(ENROL_URL)

    response = enter_code(client, pending_device(staff_user), url=ENROL_URL)

    shown = BACKUP_CODE_PATTERN.findall(response.content.decode())
    stored = StaticToken.objects.filter(device__user=staff_user)
    assert len(shown) == BACKUP_CODE_COUNT
    assert sorted(shown) == sorted(stored.values_list("token", flat=True))
    assert response["Cache-Control"].startswith("max-age=0")


def test_backup_codes_shown_once(client, staff_user):
    sign_in_with_password(client)
    client.get(ENROL_URL)
    response = enter_code(client, pending_device(staff_user), url=ENROL_URL)
    codes = BACKUP_CODE_PATTERN.findall(response.content.decode())

    again = client.get(ENROL_URL, follow=True)

    page = again.content.decode()
    assert again.redirect_chain[-1][0] == INDEX_URL
    assert not any(code in page for code in codes)
    assert not any(code in str(dict(client.session.items())) for code in codes)


def test_enrolment_rejects_wrong_code(client, staff_user):
    sign_in_with_password(client)
    client.get(ENROL_URL)
    device = pending_device(staff_user)
    wrong = wrong_code(device)

    response = client.post(ENROL_URL, {"otp_token": wrong})

    assert response.status_code == 200
    assert "This code does not match" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(CHANGELIST_URL).status_code == 302


def test_enrolment_throttles_wrong_codes(client, staff_user):
    sign_in_with_password(client)
    client.get(ENROL_URL)
    device = pending_device(staff_user)
    wrong = wrong_code(device)
    client.post(ENROL_URL, {"otp_token": wrong})

    response = client.post(ENROL_URL, {"otp_token": totp_code(device)})

    assert "Too many wrong codes in a row" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_enrolment_keeps_next(client, staff_user):
    sign_in_with_password(client, next_url=CHANGELIST_URL)
    client.get(ENROL_URL)

    response = enter_code(
        client, pending_device(staff_user), url=ENROL_URL, next=CHANGELIST_URL
    )

    assert response.context["continue_url"] == CHANGELIST_URL


# Later sign-ins: TOTP code or backup code


def test_password_step_leads_to_code(client, staff_totp_device):
    response = sign_in_with_password(client, next_url=CHANGELIST_URL)

    assert response.status_code == 302
    assert response["Location"] == with_next(TWO_FACTOR_URL, CHANGELIST_URL)


def test_totp_code_verifies_session(client, staff_totp_device):
    sign_in_with_password(client)

    response = enter_code(client, staff_totp_device, next=CHANGELIST_URL)

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST_URL
    assert client.get(CHANGELIST_URL).status_code == 200


def test_second_factor_changes_session_key(client, staff_totp_device):
    sign_in_with_password(client)
    key_after_password = client.session.session_key

    enter_code(client, staff_totp_device)

    assert client.session.session_key != key_after_password


def test_second_factor_records_time(client, staff_totp_device):
    sign_in_with_password(client)
    before = timezone.now()

    enter_code(client, staff_totp_device)

    assert before <= verified_at(client) <= timezone.now()


def test_wrong_totp_code_rejected(client, staff_totp_device):
    sign_in_with_password(client)
    wrong = wrong_code(staff_totp_device)

    response = client.post(
        TWO_FACTOR_URL,
        {"otp_device": staff_totp_device.persistent_id, "otp_token": wrong},
    )

    assert response.status_code == 200
    assert "This code is wrong or was already used" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert OTP_VERIFIED_AT_SESSION_KEY not in client.session
    assert client.get(CHANGELIST_URL).status_code == 302


def test_reused_totp_code_rejected(client, staff_totp_device):
    sign_in_with_password(client)
    code = totp_code(staff_totp_device)
    device_id = staff_totp_device.persistent_id
    client.post(TWO_FACTOR_URL, {"otp_device": device_id, "otp_token": code})
    client.post(LOGOUT_URL)
    sign_in_with_password(client)

    response = client.post(TWO_FACTOR_URL, {"otp_device": device_id, "otp_token": code})

    assert response.status_code == 200
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_backup_code_verifies_session(client, backup_codes, staff_user):
    sign_in_with_password(client)
    backup_device = staff_user.staticdevice_set.get()

    response = client.post(
        TWO_FACTOR_URL,
        {"otp_device": backup_device.persistent_id, "otp_token": backup_codes[0]},
    )

    assert response.status_code == 302
    assert client.get(CHANGELIST_URL).status_code == 200


def test_backup_code_works_once(client, backup_codes, staff_user):
    backup_device = staff_user.staticdevice_set.get()
    data = {"otp_device": backup_device.persistent_id, "otp_token": backup_codes[0]}
    sign_in_with_password(client)
    client.post(TWO_FACTOR_URL, data)
    client.post(LOGOUT_URL)
    sign_in_with_password(client)

    response = client.post(TWO_FACTOR_URL, data)

    assert response.status_code == 200
    assert client.get(CHANGELIST_URL).status_code == 302
    remaining = StaticToken.objects.filter(device=backup_device)
    assert list(remaining.values_list("token", flat=True)) == backup_codes[1:]


def test_backup_code_typed_with_spaces(client, backup_codes, staff_user):
    sign_in_with_password(client)
    backup_device = staff_user.staticdevice_set.get()
    typed = " ".join([backup_codes[0][:4].upper(), backup_codes[0][4:].upper()])

    response = client.post(
        TWO_FACTOR_URL,
        {"otp_device": backup_device.persistent_id, "otp_token": typed},
    )

    assert response.status_code == 302


# Sessions past the password step only


@pytest.mark.parametrize("url", [INDEX_URL, CHANGELIST_URL, STEP_UP_URL])
def test_password_only_session_refused(password_only_staff_client, url):
    response = password_only_staff_client.get(url, follow=True)

    assert response.redirect_chain[0][0] == with_next(LOGIN_URL, url)
    assert response.redirect_chain[-1][0] == with_next(TWO_FACTOR_URL, url)
    assert response.status_code == 200


def test_password_only_session_signs_out(password_only_staff_client):
    response = password_only_staff_client.post(LOGOUT_URL)

    assert response.status_code == 302
    assert SESSION_KEY not in password_only_staff_client.session


def test_verified_session_skips_sign_in(staff_client):
    response = staff_client.get(LOGIN_URL)

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL


def test_unsafe_next_dropped_at_sign_in(client, staff_totp_device):
    response = sign_in_with_password(client, next_url="https://evil.example.net/")

    assert response["Location"] == TWO_FACTOR_URL


# No e-mail address on the sign-in pages


def test_applicant_sees_no_address(client, verified_user, canary):
    assert client.login(username=canary.email, password=canary.password)

    response = client.get(LOGIN_URL)

    page = response.content.decode().lower()
    assert response.status_code == 200
    assert canary.email.lower() not in page
    assert "authenticated as" not in page
    assert "has no access to the staff portal" in page


def test_rejected_password_not_echoed(client, staff_user):
    response = client.post(
        LOGIN_URL, {"username": STAFF_EMAIL, "password": "not-the-password"}
    )

    page = response.content.decode().lower()
    assert response.status_code == 200
    assert "the email address or password is wrong" in page
    assert STAFF_EMAIL not in page


@pytest.mark.parametrize("url", [ENROL_URL, TWO_FACTOR_URL])
def test_second_step_pages_show_no_address(client, staff_user, url):
    if url == TWO_FACTOR_URL:
        TOTPDevice.objects.create(user=staff_user, confirmed=True)
    sign_in_with_password(client)

    response = client.get(url)

    assert response.status_code == 200
    assert STAFF_EMAIL not in response.content.decode().lower()


# Step-up


def test_step_up_refreshes_time(staff_client, staff_totp_device):
    stale = timezone.now() - datetime.timedelta(minutes=30)
    set_verified_at(staff_client, stale)

    response = enter_code(
        staff_client,
        staff_totp_device,
        url=STEP_UP_URL,
        otp_token=totp_code(staff_totp_device, steps_ahead=1),
        next=CHANGELIST_URL,
    )

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST_URL
    assert verified_at(staff_client) > stale
    assert timezone.now() - verified_at(staff_client) < datetime.timedelta(minutes=1)


def test_step_up_rejects_unsafe_next(staff_client, staff_totp_device):
    response = enter_code(
        staff_client,
        staff_totp_device,
        url=STEP_UP_URL,
        next="https://evil.example.net/steal",
    )

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL


def test_step_up_wrong_code_keeps_time(staff_client, staff_totp_device):
    stale = timezone.now() - datetime.timedelta(minutes=30)
    set_verified_at(staff_client, stale)
    wrong = wrong_code(staff_totp_device)

    response = staff_client.post(
        STEP_UP_URL,
        {"otp_device": staff_totp_device.persistent_id, "otp_token": wrong},
    )

    assert response.status_code == 200
    assert verified_at(staff_client) == stale


def test_step_up_page_renders(staff_client):
    response = staff_client.get(with_next(STEP_UP_URL, CHANGELIST_URL))

    assert response.status_code == 200
    assert f'value="{CHANGELIST_URL}"' in response.content.decode()


@pytest.mark.parametrize(
    ("minutes_ago", "max_age_seconds", "expected"),
    [
        (0, 300, True),
        (4, 300, True),
        (6, 300, False),
        (-5, 300, False),
    ],
)
def test_otp_verified_recently_by_age(
    staff_client, minutes_ago, max_age_seconds, expected
):
    set_verified_at(
        staff_client, timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    request = staff_client.get(INDEX_URL).wsgi_request

    assert otp_verified_recently(request, max_age_seconds) is expected


def test_otp_verified_recently_needs_verification(password_only_staff_client):
    set_verified_at(password_only_staff_client, timezone.now())
    request = password_only_staff_client.get(LOGIN_URL).wsgi_request

    assert otp_verified_recently(request, 300) is False


def test_otp_verified_recently_without_time(staff_client):
    session = staff_client.session
    del session[OTP_VERIFIED_AT_SESSION_KEY]
    session.save()
    request = staff_client.get(INDEX_URL).wsgi_request

    assert otp_verified_recently(request, 300) is False
