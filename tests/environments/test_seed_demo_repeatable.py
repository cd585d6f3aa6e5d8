"""seed_demo: one seed gives the same rows in a fresh database, every time."""

from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from onboarding.management.commands import seed_demo
from onboarding.models import Applicant, User
from onboarding.roles import ROLE_PERMISSIONS


def seeded_rows() -> dict[str, list[tuple]]:
    """Return every seeded row's references, ids and decrypted values."""
    applicants = sorted(
        (
            applicant.reference,
            str(applicant.user_id),
            applicant.status,
            applicant.verification_outcome,
            applicant.legal_name,
            applicant.date_of_birth,
            applicant.phone,
            applicant.phone_index,
            applicant.address_line1,
            applicant.address_line2,
            applicant.postal_code,
            applicant.city,
            applicant.address_country,
            applicant.national_id_country,
            applicant.national_id,
            applicant.national_id_index,
            applicant.national_id_last4,
            applicant.is_synthetic,
        )
        for applicant in Applicant.objects.all()
    )
    users = sorted(
        (
            str(user.pk),
            user.email,
            user.email_index,
            user.is_staff,
            user.is_superuser,
            user.is_synthetic,
            tuple(sorted(user.groups.values_list("name", flat=True))),
        )
        for user in User.objects.all()
    )
    return {"applicants": applicants, "users": users}


def seed(seed_value: int) -> None:
    call_command("seed_demo", seed=seed_value, stdout=StringIO(), stderr=StringIO())


# flush truncates tables, which PostgreSQL refuses inside the transaction
# of an ordinary test while deferred constraint checks are pending. The
# serialized rollback restores the groups and rows that migrations made.
FLUSHING = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def content_type_cache_cleared():
    # flush, and the serialized rollback after a flushing test, recreate
    # content types with new ids, and the change history would otherwise
    # write the cached old ones.
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def flush() -> None:
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    assert not User.objects.exists()
    assert not Applicant.objects.exists()


@FLUSHING
def test_seed_demo_same_seed_after_flush(staff_password):
    seed(2026)
    first = seeded_rows()
    flush()

    seed(2026)

    assert seeded_rows() == first


@FLUSHING
def test_seed_demo_other_seed_other_references(staff_password):
    seed(2026)
    first = {row[0] for row in seeded_rows()["applicants"]}
    flush()

    seed(2027)

    assert first.isdisjoint(row[0] for row in seeded_rows()["applicants"])


@pytest.mark.django_db
def test_seed_demo_applicant_every_status(staff_password):
    seed(2026)

    statuses = set(Applicant.objects.values_list("status", flat=True))
    assert statuses == set(Applicant.Status)


@FLUSHING
def test_seed_demo_staff_every_role(staff_password):
    flush()

    seed(2026)

    for role in ROLE_PERMISSIONS:
        members = User.objects.filter(groups__name=role)
        assert members.exists(), role
        for member in members:
            assert member.is_staff
            assert member.is_synthetic
            assert member.email.endswith("@example.org")
            assert member.check_password(staff_password)


@pytest.mark.django_db
def test_seed_demo_two_compliance_officers(staff_password):
    seed(2026)

    assert User.objects.filter(groups__name="Compliance").count() == 2
    assert User.objects.filter(is_staff=True).count() == 1 + len(
        seed_demo.ROLE_ACCOUNTS
    )
