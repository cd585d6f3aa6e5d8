"""anonymize_database: a seeded copy keeps its shape and loses every original."""

import base64
import datetime
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessEvent, ChainCheckpoint, ChangeEntry
from audit.retention import audit_trail_purge
from audit.services import access_event_record
from audit.verification import verify_all
from integrations.models import OutboundCall
from onboarding import anonymization, services
from onboarding.models import Applicant, StagingCopyMarker, User
from tests.canaries import make_canary
from tests.conftest import canary_wizard_data
from tests.database_scan import find_values
from vault import blind_index, keys

# Each key spells TEST-ONLY once decoded, like the keys of the test settings.
STAGING_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    b"TEST-ONLY-staging-encryption-k-1"
).decode()
STAGING_BLIND_INDEX_KEY = "TEST-ONLY-staging-blind-index-key"
STAGING_CHAIN_KEY = "TEST-ONLY-staging-audit-chain-key"

APPLICANT_FIELDS = (
    "legal_name",
    "date_of_birth",
    "phone",
    "address_line1",
    "postal_code",
    "city",
    "address_country",
    "national_id",
    "national_id_last4",
)
# Values long and distinct enough to search for as text in every column.
# Postal codes are five digits, which also occur inside hex digests.
SEARCHED_FIELDS = ("legal_name", "phone", "address_line1", "national_id")


def decrypted_applicants() -> dict[str, dict[str, object]]:
    return {
        applicant.reference: {
            "user_id": applicant.user_id,
            "email": applicant.user.email if applicant.user else None,
            "status": applicant.status,
            "phone_index": applicant.phone_index,
            "national_id_index": applicant.national_id_index,
            **{name: getattr(applicant, name) for name in APPLICANT_FIELDS},
        }
        for applicant in Applicant.objects.select_related("user")
    }


def staff_groups() -> dict[str, list[str]]:
    return {
        str(user.pk): sorted(user.groups.values_list("name", flat=True))
        for user in User.objects.filter(is_staff=True)
    }


def row_counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "applicants": Applicant.objects.count(),
        "access events": AccessEvent.objects.count(),
        "change entries": ChangeEntry.objects.count(),
        "groups": Group.objects.count(),
    }


@pytest.fixture
def production_copy(staff_password, canary, settings):
    """Seed applicants, canaries sharing values, audit rows and a session."""
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())

    first = _canary_applicant(canary, canary_wizard_data(canary))
    second_canary = make_canary()
    shared = {
        **canary_wizard_data(second_canary),
        "phone": canary.phone_e164,
        "national_id": canary.national_id,
    }
    second = _canary_applicant(second_canary, shared)
    # Minimization keeps the index and the last four characters only.
    minimized_canary = make_canary()
    minimized = _canary_applicant(
        minimized_canary,
        {**canary_wizard_data(minimized_canary), "national_id": canary.national_id},
    )
    Applicant.objects.filter(pk=minimized.pk).update(
        national_id=None, national_id_last4=canary.national_id[-4:]
    )

    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    access_event_record(
        actor=User.objects.filter(is_staff=True).first(),
        action=AccessEvent.Action.REVEAL,
        request=request,
        applicant_reference=first.reference,
        field="legal_name",
        reason=f"Caller {canary.legal_name} asked about {canary.phone_e164}",
    )
    access_event_record(
        actor=None,
        action=AccessEvent.Action.SIGN_IN_FAILED,
        request=request,
        outcome=AccessEvent.Outcome.DENIED,
        detail={"account_index": blind_index.email_index(canary.email)},
    )
    access_event_record(
        actor=None,
        action=AccessEvent.Action.SIGN_IN_FAILED,
        request=request,
        outcome=AccessEvent.Outcome.DENIED,
        detail={"account_index": blind_index.email_index("nobody@example.com")},
    )
    OutboundCall.objects.create(
        integration="identity verification",
        applicant_reference=first.reference,
        status=OutboundCall.Status.ANSWERED,
        field_names=["reference"],
    )
    staff = User.objects.filter(is_staff=True).first()
    TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    Session.objects.create(
        session_key="x" * 32, session_data="e30", expire_date="2999-01-01T00:00Z"
    )
    return {
        "canary": canary,
        "second_canary": second_canary,
        "minimized_canary": minimized_canary,
        "shared": (first.reference, second.reference),
        "minimized": minimized.reference,
    }


def _canary_applicant(canary, data) -> Applicant:
    user = User.objects.create_user(
        canary.email, canary.password, email_verified_at="2026-01-01T00:00Z"
    )
    applicant = services.applicant_for_user(user=user)
    return services.applicant_submit(applicant=applicant, data=data)


@pytest.fixture
def staging_keys(settings):
    """Put the staging keys first, as the run's environment would."""
    settings.VAULT_ENCRYPTION_KEYS = [
        STAGING_ENCRYPTION_KEY,
        *settings.VAULT_ENCRYPTION_KEYS,
    ]
    settings.VAULT_BLIND_INDEX_KEY = STAGING_BLIND_INDEX_KEY
    settings.AUDIT_CHAIN_KEY = STAGING_CHAIN_KEY
    settings.AUDIT_CHAIN_PREVIOUS_KEYS = []
    settings.DEPLOYMENT_ENVIRONMENT = "staging"
    keys.reset_caches()
    yield settings
    keys.reset_caches()


def anonymize() -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("anonymize_database", interactive=False, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def drop_old_keys(settings) -> None:
    """Leave only the staging encryption key, as the staging copy runs."""
    settings.VAULT_ENCRYPTION_KEYS = [STAGING_ENCRYPTION_KEY]
    keys.reset_caches()


@pytest.fixture
def anonymized(production_copy, staging_keys):
    before = {
        "applicants": decrypted_applicants(),
        "emails": {str(user.pk): user.email for user in User.objects.all()},
        "counts": row_counts(),
        "staff groups": staff_groups(),
    }
    stdout, stderr = anonymize()
    drop_old_keys(staging_keys)
    return {**production_copy, "before": before, "stdout": stdout, "stderr": stderr}


def originals_of(applicants: dict, name: str) -> set:
    return {row[name] for row in applicants.values() if row[name] not in (None, "")}


@pytest.mark.django_db
def test_anonymize_no_original_in_any_column(anonymized):
    before = anonymized["before"]["applicants"]
    values = {
        f"{name} {position}": str(value)
        for name in SEARCHED_FIELDS
        for position, value in enumerate(sorted(originals_of(before, name), key=str))
    }
    values.update(
        {
            f"email {position}": email
            for position, email in enumerate(anonymized["before"]["emails"].values())
        }
    )
    values.update(
        {
            f"date of birth {position}": value.isoformat()
            for position, value in enumerate(originals_of(before, "date_of_birth"))
        }
    )

    assert find_values(values) == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", APPLICANT_FIELDS)
def test_anonymize_no_fake_equals_original(anonymized, name):
    originals = originals_of(anonymized["before"]["applicants"], name)
    fakes = originals_of(decrypted_applicants(), name)

    assert originals
    assert fakes
    assert originals.isdisjoint(fakes)


@pytest.mark.django_db
def test_anonymize_no_email_equals_original(anonymized):
    originals = set(anonymized["before"]["emails"].values())
    fakes = {user.email for user in User.objects.all()}

    assert originals.isdisjoint(fakes)
    assert len(fakes) == len(originals)


@pytest.mark.django_db
def test_anonymize_fakes_in_reserved_ranges(anonymized):
    for user in User.objects.all():
        assert user.email.rpartition("@")[2] in {"example.com", "example.org"}
    for applicant in Applicant.objects.exclude(phone=None):
        assert re.fullmatch(r"\+442079460\d{3}", applicant.phone)
    for applicant in Applicant.objects.exclude(national_id=None):
        assert 900 <= int(applicant.national_id[7:10]) <= 999


@pytest.mark.django_db
def test_anonymize_keeps_counts_and_relations(anonymized):
    before = anonymized["before"]
    after = decrypted_applicants()

    assert row_counts() == before["counts"]
    assert after.keys() == before["applicants"].keys()
    for reference, row in after.items():
        assert row["user_id"] == before["applicants"][reference]["user_id"]
        assert row["status"] == before["applicants"][reference]["status"]
    assert staff_groups() == before["staff groups"]


@pytest.mark.django_db
def test_anonymize_shared_values_stay_shared(anonymized):
    first, second = (decrypted_applicants()[ref] for ref in anonymized["shared"])

    assert first["phone"] == second["phone"]
    assert first["national_id"] == second["national_id"]
    assert first["phone_index"] == second["phone_index"]
    assert first["national_id_index"] == second["national_id_index"]
    assert first["legal_name"] != second["legal_name"]


@pytest.mark.django_db
def test_anonymize_distinct_values_stay_distinct(anonymized):
    before = anonymized["before"]["applicants"]
    after = decrypted_applicants()

    for name in ("phone", "national_id", "legal_name", "address_line1"):
        assert len(originals_of(after, name)) == len(originals_of(before, name)), name
    assert "repeat" not in anonymized["stderr"]


@pytest.mark.django_db
def test_anonymize_minimized_keeps_duplicate_index(anonymized):
    applicants = decrypted_applicants()
    first = applicants[anonymized["shared"][0]]
    minimized = applicants[anonymized["minimized"]]

    assert minimized["national_id"] is None
    assert minimized["national_id_index"] == first["national_id_index"]
    assert minimized["national_id_last4"] == first["national_id"][-4:]


@pytest.mark.django_db
def test_anonymize_blind_indexes_current(anonymized):
    version = blind_index.current_version()

    for user in User.objects.all():
        assert user.email_index == blind_index.email_index(user.email)
    for applicant in Applicant.objects.exclude(phone=None):
        assert applicant.phone_index == blind_index.phone_index(applicant.phone)
        assert applicant.national_id_index.startswith(f"{version}:")


@pytest.mark.django_db
def test_anonymize_sign_in_attempt_follows_account(anonymized):
    canary_user = User.objects.get(pk=_user_id_of(anonymized, "canary"))
    indexes = [
        event.detail["account_index"]
        for event in AccessEvent.objects.filter(
            action=AccessEvent.Action.SIGN_IN_FAILED
        ).order_by("pk")
    ]

    assert indexes[0] == canary_user.email_index
    assert indexes[1] != canary_user.email_index
    assert indexes[1].startswith(f"{blind_index.current_version()}:")


def _user_id_of(anonymized, name: str) -> str:
    email = anonymized[name].email
    return next(
        pk for pk, value in anonymized["before"]["emails"].items() if value == email
    )


@pytest.mark.django_db
def test_anonymize_audit_reason_and_network(anonymized):
    reveal = AccessEvent.objects.get(action=AccessEvent.Action.REVEAL)

    assert reveal.reason
    assert anonymized["canary"].legal_name not in reveal.reason
    assert not AccessEvent.objects.exclude(client_network="").exists()
    assert not ChangeEntry.objects.exclude(client_network="").exists()


@pytest.mark.django_db
def test_anonymize_audit_chains_verify(anonymized):
    reports = verify_all()

    assert reports
    for report in reports:
        assert report.intact, report.describe()
        assert report.checked > 0


@pytest.mark.django_db
def test_anonymize_empties_secrets_and_sessions(anonymized):
    assert not Session.objects.exists()
    assert not OutboundCall.objects.exists()
    assert not TOTPDevice.objects.exists()
    for user in User.objects.all():
        assert not user.has_usable_password()


@pytest.mark.django_db
def test_anonymize_marks_database(anonymized):
    marker = StagingCopyMarker.objects.get()

    assert str(marker.run_id) in anonymized["stdout"]


@pytest.mark.django_db
def test_anonymize_output_names_no_value(anonymized):
    output = anonymized["stdout"] + anonymized["stderr"]

    for email in anonymized["before"]["emails"].values():
        assert email not in output
    assert anonymized["canary"].legal_name not in output


@pytest.mark.django_db
def test_anonymize_refused_in_production(production_copy, settings):
    settings.DEPLOYMENT_ENVIRONMENT = "production"
    before = decrypted_applicants()

    with pytest.raises(CommandError, match=re.escape(anonymization.PRODUCTION_REFUSED)):
        anonymize()

    assert decrypted_applicants() == before
    assert not StagingCopyMarker.objects.exists()
    assert Session.objects.exists()


@pytest.mark.django_db
def test_anonymize_asks_for_confirmation(production_copy, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    before = decrypted_applicants()

    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("anonymize_database", stdout=StringIO())

    assert decrypted_applicants() == before


@pytest.mark.django_db
def test_anonymize_signs_checkpoints_again(production_copy, settings):
    settings.AUDIT_MINIMUM_RETENTION_DAYS = 1
    long_ago = timezone.now() - datetime.timedelta(days=30)
    AccessEvent.objects.create(action=AccessEvent.Action.SEARCH, occurred_at=long_ago)
    audit_trail_purge(before=timezone.now() - datetime.timedelta(days=2))
    settings.AUDIT_CHAIN_KEY = STAGING_CHAIN_KEY
    settings.AUDIT_CHAIN_PREVIOUS_KEYS = []

    anonymize()

    assert ChainCheckpoint.objects.exists()
    for report in verify_all():
        assert report.intact, report.describe()
