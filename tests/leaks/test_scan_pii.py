"""manage.py scan_pii: clean after a full onboarding, finds planted canaries.

The clean run covers sign-up, e-mail confirmation, the wizard, a
verification by the stand-in provider and a staff reveal, so every table
those flows write contains ciphertext, keyed hashes, tokens and masks only.
"""

import os
import re
import subprocess
import sys
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from integrations.identity_verification.services import applicant_identity_verify
from onboarding.models import Applicant
from tests.integrations.standin import identity_standin  # noqa: F401
from tests.onboarding.wizard_steps import STEP_FIELDS, STEPS, WIZARD, step_post
from tests.portal.conftest import make_staff, portal_client, staff_roles  # noqa: F401
from vault.pii_scan import text_kinds

LINK_PATTERN = re.compile(r"https?://\S+/verify/[\w-]+/")
CLEAN = "No personal data found."


def scan(*arguments: str) -> tuple[int, str]:
    """Run scan_pii in this process and return its exit status and output."""
    output = StringIO()
    try:
        call_command("scan_pii", *arguments, stdout=output)
    except CommandError as error:
        return error.returncode, output.getvalue() + str(error)
    return 0, output.getvalue()


def onboard_over_http(client, canary, outbox) -> Applicant:
    client.post(
        reverse("onboarding:sign-up"),
        {
            "email": canary.email,
            "password1": canary.password,
            "password2": canary.password,
        },
    )
    [link] = LINK_PATTERN.findall(outbox[-1].body)
    client.post(urlsplit(link).path, {"password": canary.password})
    client.post(
        reverse("onboarding:sign-in"),
        {"username": canary.email, "password": canary.password},
    )
    client.get(WIZARD)
    for step in STEPS:
        response = client.post(WIZARD, step_post(step, STEP_FIELDS[step](canary)))
    assert response.status_code == 302, "the wizard did not finish"
    return Applicant.objects.get()


@pytest.fixture
def onboarded_applicant(
    client,
    canary,
    outbox,
    identity_standin,  # noqa: F811
    portal_client,  # noqa: F811
) -> Applicant:
    applicant = onboard_over_http(client, canary, outbox)
    applicant_identity_verify(reference=applicant.reference)
    compliance = portal_client("Compliance")
    compliance.get(
        reverse("staff:onboarding_applicant_change", args=[applicant.reference])
    )
    response = compliance.post(
        reverse(
            "staff:onboarding_applicant_reveal", args=[applicant.reference, "phone"]
        ),
        {"reason": "The applicant asked us to confirm the number.", "action": "reveal"},
    )
    assert response.status_code == 200
    applicant.refresh_from_db()
    assert applicant.status == Applicant.Status.VERIFIED
    return applicant


@pytest.mark.django_db
def test_onboarded_database_clean(onboarded_applicant):
    status, output = scan()

    assert output.strip() == CLEAN
    assert status == 0


@pytest.mark.django_db
def test_planted_email_found(onboarded_applicant, canary):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE onboarding_applicant SET national_id_country = 'FI', "
            "legal_hold_reason = %s WHERE reference = %s",
            [f"Asked by {canary.email}", onboarded_applicant.reference],
        )

    status, output = scan("--database")

    assert status == 1
    assert (
        f"onboarding_applicant.legal_hold_reason row {onboarded_applicant.reference}: "
        "email"
    ) in output
    assert canary.email not in output


@pytest.mark.django_db
def test_planted_json_value_found(onboarded_applicant, canary):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE integrations_outboundcall SET field_names = %s::jsonb",
            [f'["{canary.phone_e164}"]'],
        )

    status, output = scan()

    assert status == 1
    assert "integrations_outboundcall.field_names row " in output
    assert ": phone" in output
    assert canary.phone_e164 not in output


def test_log_file_finding_names_line(tmp_path, canary):
    log = tmp_path / "app.log"
    log.write_text(
        "INFO Application submitted\n"
        f"WARNING Sign-up for {canary.email} failed\n"
        "INFO Access event 7: view allowed on APL-7K2M-QX9D-4HNC from 203.0.113.0/24\n"
    )

    status, output = scan("--file", str(log))

    assert status == 1
    assert f"{log}:2: email" in output
    assert f"{log}:3" not in output
    assert canary.email not in output


def test_clean_log_file_passes(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("INFO Application APL-7K2M-QX9D-4HNC submitted\n")

    assert scan("--file", str(log)) == (0, CLEAN + "\n")


def test_directory_searched_recursively(tmp_path, canary):
    nested = tmp_path / "logs" / "worker"
    nested.mkdir(parents=True)
    (nested / "celery.log").write_text(f"retry for {canary.national_id}\n")
    (tmp_path / "image.bin").write_bytes(b"\0" + canary.email.encode())

    status, output = scan("--directory", str(tmp_path))

    assert status == 1
    assert f"{nested / 'celery.log'}:1: national ID" in output
    assert "image.bin" not in output


def test_missing_path_exits_2(tmp_path):
    status, output = scan("--file", str(tmp_path / "missing.log"))

    assert status == 2
    assert "does not exist" in output


@pytest.mark.parametrize(
    ("exit_status", "line"),
    [(0, "nothing personal here"), (1, "contact canary.0000@example.com")],
)
def test_exit_status_for_ci(tmp_path, exit_status, line):
    log = tmp_path / "app.log"
    log.write_text(line + "\n")

    result = subprocess.run(
        [sys.executable, "manage.py", "scan_pii", "--file", str(log)],
        cwd=settings.BASE_DIR,
        # Searching a file needs no database, so none is reachable.
        env={**os.environ, "DATABASE_URL": "postgres://scan@127.0.0.1:1/unused"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == exit_status, result.stderr
    assert "canary.0000@example.com" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "203.0.113.0/24",
        "2001:db8:1::/48",
        "tok_" + "1234567890abcdef" * 4,
        "a1b2c3d4:" + "0123456789" * 6 + "0123",
        "c***@example.com",
        "*** *** 930V",
        "gAAAAABnZ2V0dGVzdC1jaXBoZXJ0ZXh0LW5vdC1yZWFsLTEyMzQ1Njc4OTA=",
    ],
)
def test_masks_and_tokens_not_flagged(text):
    assert text_kinds(text) == []


@pytest.mark.parametrize(
    "text", ["203.0.113.7/24", "client 203.0.113.7", "2001:db8::1"]
)
def test_host_addresses_flagged(text):
    assert [str(kind) for kind in text_kinds(text)] == ["IP address"]
