"""seed_demo: synthetic applicants from reserved ranges, repeatable and safe."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from stdnum.fi import hetu

from onboarding.management.commands import seed_demo
from onboarding.models import Applicant, User
from onboarding.synthetic import synthetic_people, temporary_hetu
from tests.database_scan import assert_nowhere
from vault import blind_index

# Written out here instead of imported, so the tests do not check the
# generator against its own definitions.
RESERVED_DOMAINS = {"example.com", "example.org"}
FICTIONAL_LONDON_PHONE = re.compile(r"\+442079460\d{3}")
STAFF_PASSWORD = "TEST-ONLY-staff-password"


@pytest.fixture
def staff_password(monkeypatch) -> str:
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", STAFF_PASSWORD)
    return STAFF_PASSWORD


def run_seed_demo(**options) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("seed_demo", stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def applicants() -> list[Applicant]:
    return list(Applicant.objects.select_related("user"))


def applicants_with_data() -> list[Applicant]:
    """Return the seeded applicants that hold submitted values."""
    empty = {Applicant.Status.DRAFT, Applicant.Status.ERASED}
    return [applicant for applicant in applicants() if applicant.status not in empty]


# The seeded staff: the superuser and one account per role.
STAFF_COUNT = 1 + len(seed_demo.ROLE_ACCOUNTS)
ERASED_COUNT = 2


def decrypted_snapshot() -> list[tuple]:
    """Return every seeded applicant's decrypted values, in a stable order."""
    return sorted(
        (
            applicant.user.email if applicant.user else "",
            applicant.status,
            applicant.legal_name,
            applicant.date_of_birth,
            applicant.phone,
            applicant.address_line1,
            applicant.postal_code,
            applicant.city,
            applicant.national_id,
        )
        for applicant in applicants()
    )


@pytest.mark.django_db
def test_seed_demo_default_count(staff_password):
    stdout, _ = run_seed_demo()

    assert Applicant.objects.count() == seed_demo.DEFAULT_APPLICANT_COUNT
    assert (
        "12 created (2 draft, 2 submitted, 2 verified, 2 rejected, 2 withdrawn, "
        "2 erased)" in stdout
    )
    assert "0 skipped" in stdout
    assert "staff@example.com: created" in stdout


@pytest.mark.django_db
def test_seed_demo_every_status(staff_password):
    run_seed_demo()

    statuses = {applicant.status for applicant in applicants()}
    assert statuses == set(Applicant.Status)


@pytest.mark.django_db
def test_seed_demo_erased_are_tombstones(staff_password):
    run_seed_demo()

    erased = Applicant.objects.filter(status=Applicant.Status.ERASED)
    assert erased.count() == ERASED_COUNT
    for applicant in erased:
        assert applicant.user is None
        assert applicant.legal_name is None
        assert applicant.national_id_index == ""
        assert applicant.erased_at is not None


@pytest.mark.django_db
def test_seed_demo_is_idempotent(staff_password):
    run_seed_demo()
    first = decrypted_snapshot()

    stdout, _ = run_seed_demo()

    assert decrypted_snapshot() == first
    assert User.objects.count() == (
        seed_demo.DEFAULT_APPLICANT_COUNT - ERASED_COUNT + STAFF_COUNT
    )
    assert "0 created" in stdout
    assert "12 skipped" in stdout
    assert "already present" in stdout


@pytest.mark.django_db
def test_seed_demo_idempotent_during_key_rotation(staff_password, settings):
    run_seed_demo()
    # A new blind-index key becomes current, and the stored indexes still use
    # the old one.
    settings.VAULT_BLIND_INDEX_PREVIOUS_KEYS = [settings.VAULT_BLIND_INDEX_KEY]
    settings.VAULT_BLIND_INDEX_KEY = "TEST-ONLY-rotated-blind-index-key"

    stdout, _ = run_seed_demo()

    assert User.objects.count() == (
        seed_demo.DEFAULT_APPLICANT_COUNT - ERASED_COUNT + STAFF_COUNT
    )
    assert "0 created" in stdout
    assert "already present" in stdout


@pytest.mark.django_db
def test_seed_demo_more_applicants_adds_only_new(staff_password):
    run_seed_demo(applicants=4)
    first = decrypted_snapshot()

    stdout, _ = run_seed_demo(applicants=6)

    assert "2 created" in stdout
    assert "4 skipped" in stdout
    assert set(first) <= set(decrypted_snapshot())


@pytest.mark.django_db
def test_seed_demo_same_seed_same_data(staff_password):
    run_seed_demo(seed=41)
    first = decrypted_snapshot()
    User.objects.all().delete()
    Applicant.objects.all().delete()

    run_seed_demo(seed=41)

    assert decrypted_snapshot() == first


@pytest.mark.django_db
def test_seed_demo_other_seed_other_data(staff_password):
    run_seed_demo(seed=41)
    first = decrypted_snapshot()
    User.objects.all().delete()
    Applicant.objects.all().delete()

    run_seed_demo(seed=42)

    emails = {row[0] for row in decrypted_snapshot()} - {""}
    assert emails.isdisjoint(row[0] for row in first)


def test_synthetic_people_repeatable():
    assert synthetic_people(12, seed=7) == synthetic_people(12, seed=7)
    assert synthetic_people(12, seed=7)[:5] == synthetic_people(5, seed=7)
    assert synthetic_people(12, seed=7) != synthetic_people(12, seed=8)


def test_synthetic_people_distinct_values():
    people = synthetic_people(1000, seed=7)

    assert len({person.email for person in people}) == 1000
    assert len({person.phone for person in people}) == 1000


@pytest.mark.parametrize("count", [-1, 1001])
def test_synthetic_people_count_out_of_range(count):
    with pytest.raises(ValueError, match="between 0 and 1000"):
        synthetic_people(count, seed=7)


@pytest.mark.django_db
def test_seed_demo_emails_in_reserved_domains(staff_password):
    run_seed_demo()

    for user in User.objects.all():
        local_part, _, domain = user.email.rpartition("@")
        assert local_part
        assert domain in RESERVED_DOMAINS, f"user {user.pk} has another domain"


@pytest.mark.django_db
def test_seed_demo_phones_in_fictional_range(staff_password):
    run_seed_demo()

    for applicant in applicants_with_data():
        assert FICTIONAL_LONDON_PHONE.fullmatch(applicant.phone), applicant.reference


@pytest.mark.django_db
def test_seed_demo_national_ids_temporary(staff_password):
    run_seed_demo()

    for applicant in applicants_with_data():
        number = applicant.national_id
        assert applicant.national_id_country == "FI"
        assert hetu.is_valid(number, allow_temporary=True), applicant.reference
        assert not hetu.is_valid(number), applicant.reference
        assert 900 <= int(number[7:10]) <= 999


@pytest.mark.django_db
def test_seed_demo_national_id_matches_birth_date(staff_password):
    run_seed_demo()

    for applicant in applicants_with_data():
        assert applicant.national_id[:6] == f"{applicant.date_of_birth:%d%m%y}"


@pytest.mark.django_db
def test_seed_demo_submitted_have_blind_indexes(staff_password):
    run_seed_demo()

    for applicant in applicants_with_data():
        assert applicant.submitted_at is not None
        assert applicant.phone_index == blind_index.phone_index(applicant.phone)
        assert applicant.national_id_index == blind_index.national_id_index(
            "FI", applicant.national_id
        )


@pytest.mark.django_db
def test_seed_demo_drafts_contain_no_data(staff_password):
    run_seed_demo()

    drafts = Applicant.objects.filter(status=Applicant.Status.DRAFT)
    assert drafts.exists()
    for applicant in drafts:
        assert applicant.legal_name is None
        assert applicant.phone_index == ""
        assert applicant.national_id_index == ""
        assert applicant.submitted_at is None


@pytest.mark.django_db
def test_seed_demo_every_record_synthetic(staff_password):
    run_seed_demo()

    assert not User.objects.filter(is_synthetic=False).exists()
    assert not Applicant.objects.filter(is_synthetic=False).exists()


@pytest.mark.django_db
def test_seed_demo_applicants_cannot_sign_in(staff_password):
    run_seed_demo()

    for applicant in applicants():
        if applicant.user is None:
            continue
        assert not applicant.user.has_usable_password()
        assert not applicant.user.is_staff


@pytest.mark.django_db
def test_seed_demo_values_encrypted_at_rest(staff_password):
    run_seed_demo()

    for person in synthetic_people(
        seed_demo.DEFAULT_APPLICANT_COUNT, seed=seed_demo.DEFAULT_SEED
    ):
        assert_nowhere(
            {
                "email": person.email,
                "legal_name": person.legal_name,
                "phone": person.phone,
                "address_line1": person.address_line1,
                "national_id": person.national_id,
            }
        )


@pytest.mark.django_db
def test_seed_demo_output_names_no_applicant(staff_password):
    stdout, stderr = run_seed_demo()

    for applicant in applicants():
        if applicant.user is not None:
            assert applicant.user.email not in stdout + stderr
        assert applicant.reference not in stdout + stderr


@pytest.mark.django_db
def test_seed_demo_staff_password_from_environment(staff_password):
    run_seed_demo()

    staff = User.objects.get(email_index=blind_index.email_index("staff@example.com"))
    assert staff.is_staff
    assert staff.is_superuser
    assert staff.is_email_verified
    assert staff.is_synthetic
    assert staff.check_password(STAFF_PASSWORD)
    assert not hasattr(staff, "applicant")


@pytest.mark.django_db
def test_seed_demo_debug_off_without_password(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.delenv("DEMO_STAFF_PASSWORD", raising=False)

    with pytest.raises(CommandError, match=re.escape(seed_demo.STAFF_PASSWORD_MISSING)):
        run_seed_demo()

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_debug_off_published_password(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", seed_demo.PUBLISHED_STAFF_PASSWORD)

    with pytest.raises(
        CommandError, match=re.escape(seed_demo.STAFF_PASSWORD_PUBLISHED)
    ):
        run_seed_demo()

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_weak_password(monkeypatch):
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", "short")

    with pytest.raises(CommandError, match="fails the password validators"):
        run_seed_demo()

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_debug_on_published_password(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_STAFF_PASSWORD", raising=False)

    _, stderr = run_seed_demo(applicants=0)

    assert seed_demo.STAFF_PASSWORD_FALLBACK in stderr
    staff = User.objects.get(email_index=blind_index.email_index("staff@example.com"))
    assert staff.check_password("demo-staff-password")


@pytest.mark.django_db
@pytest.mark.parametrize("count", [-1, 1001])
def test_seed_demo_count_out_of_range(staff_password, count):
    with pytest.raises(CommandError, match=re.escape(seed_demo.COUNT_OUT_OF_RANGE)):
        run_seed_demo(applicants=count)

    assert not User.objects.exists()


def test_temporary_hetu_valid_check_character():
    number = temporary_hetu(datetime.date(1985, 3, 14), 917)

    assert number.startswith("140385-917")
    assert hetu.is_valid(number, allow_temporary=True)


@pytest.mark.parametrize(
    ("born", "century_sign"),
    [
        (datetime.date(1899, 12, 31), "+"),
        (datetime.date(1999, 1, 1), "-"),
        (datetime.date(2003, 6, 30), "A"),
    ],
)
def test_temporary_hetu_century_sign(born, century_sign):
    number = temporary_hetu(born, 950)

    assert number[6] == century_sign
    assert hetu.is_valid(number, allow_temporary=True)


@pytest.mark.parametrize("individual", [2, 899, 1000])
def test_temporary_hetu_rejects_permanent_range(individual):
    with pytest.raises(ValueError, match="900-999"):
        temporary_hetu(datetime.date(1985, 3, 14), individual)
