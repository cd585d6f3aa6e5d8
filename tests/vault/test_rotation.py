"""Key rotation: re-encryption and blind-index rewrites, resumable."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from onboarding import services
from onboarding.models import Applicant, User
from tests.canaries import make_canary
from tests.conftest import canary_wizard_data
from vault import blind_index, keys, rotation
from vault.exceptions import DecryptionError

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def old_key(settings):
    settings.VAULT_ENCRYPTION_KEYS = [OLD_KEY]
    keys.reset_caches()
    yield settings
    keys.reset_caches()


def use_keys(settings, *encryption_keys: str) -> None:
    settings.VAULT_ENCRYPTION_KEYS = list(encryption_keys)
    keys.reset_caches()


@pytest.fixture
def applicants(old_key) -> list[Applicant]:
    """Five submitted applicants, written under OLD_KEY."""
    made = []
    for _ in range(5):
        canary = make_canary()
        user = User.objects.create_user(canary.email, canary.password)
        applicant = services.applicant_for_user(user=user)
        made.append(
            services.applicant_submit(
                applicant=applicant, data=canary_wizard_data(canary)
            )
        )
    return made


def stored_token(reference: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_name FROM onboarding_applicant WHERE reference = %s",
            [reference],
        )
        return cursor.fetchone()[0]


def is_under(key: str, token: str) -> bool:
    return rotation._is_under(Fernet(key), token)


def rotate(*arguments: str) -> str:
    output = io.StringIO()
    call_command("rotate_encryption_keys", "--no-progress", *arguments, stdout=output)
    return output.getvalue()


@pytest.mark.django_db
def test_rotation_moves_rows_to_new_key(applicants, settings):
    names = {a.reference: a.legal_name for a in applicants}
    use_keys(settings, NEW_KEY, OLD_KEY)

    rotate()

    use_keys(settings, NEW_KEY)
    for applicant in applicants:
        assert is_under(NEW_KEY, stored_token(applicant.reference))
        reloaded = Applicant.objects.get(pk=applicant.pk)
        assert reloaded.legal_name == names[applicant.reference]


@pytest.mark.django_db
def test_rotation_reports_counts(applicants, settings):
    use_keys(settings, NEW_KEY, OLD_KEY)

    output = rotate()

    assert "onboarding.Applicant.legal_name: rewrote 5, 0 already current" in output
    assert "onboarding.User.email: rewrote 5, 0 already current" in output


@pytest.mark.django_db
def test_second_rotation_changes_nothing(applicants, settings):
    use_keys(settings, NEW_KEY, OLD_KEY)
    rotate()

    output = rotate()

    assert "onboarding.Applicant.legal_name: rewrote 0, 5 already current" in output


@pytest.mark.django_db
def test_dry_run_writes_nothing(applicants, settings):
    use_keys(settings, NEW_KEY, OLD_KEY)

    output = rotate("--dry-run")

    assert "onboarding.Applicant.legal_name: would rewrite 5" in output
    assert is_under(OLD_KEY, stored_token(applicants[0].reference))


@pytest.mark.django_db
def test_interrupted_rotation_resumes(applicants, settings):
    use_keys(settings, NEW_KEY, OLD_KEY)
    model = Applicant
    with pytest.raises(KeyboardInterrupt):
        rotation.rotate_encryption(
            model, batch_size=2, progress=interrupt_after(batches=1)
        )
    rotated_before = sum(
        is_under(NEW_KEY, stored_token(a.reference)) for a in applicants
    )

    output = rotate("--batch-size", "2")

    assert rotated_before == 2
    assert "onboarding.Applicant.legal_name: rewrote 3, 2 already current" in output
    assert all(is_under(NEW_KEY, stored_token(a.reference)) for a in applicants)


def interrupt_after(*, batches: int):
    seen = []

    def progress(rows: int) -> None:
        seen.append(rows)
        if len(seen) > batches:
            raise KeyboardInterrupt

    return progress


@pytest.mark.django_db
def test_rotation_without_old_key_fails_naming_row(applicants, settings):
    use_keys(settings, NEW_KEY)

    with pytest.raises(CommandError, match="primary key") as raised:
        rotate()

    assert "does not decrypt" in str(raised.value)


@pytest.mark.django_db
def test_read_with_wrong_key_names_primary_key(applicants, settings):
    use_keys(settings, NEW_KEY)
    reference = applicants[0].reference

    with pytest.raises(DecryptionError, match=f"primary key {reference}"):
        Applicant.objects.get(pk=reference)


@pytest.mark.django_db
def test_undecryptable_value_cannot_be_shown(applicants, settings):
    use_keys(settings, NEW_KEY)

    value = Applicant.objects.values_list("legal_name", flat=True).first()

    with pytest.raises(DecryptionError):
        str(value)
    with pytest.raises(DecryptionError):
        f"{value}"


@pytest.mark.django_db
def test_blind_index_rewrite_after_key_change(applicants, settings):
    old_indexes = {a.reference: a.phone_index for a in applicants}
    settings.VAULT_BLIND_INDEX_PREVIOUS_KEYS = [settings.VAULT_BLIND_INDEX_KEY]
    settings.VAULT_BLIND_INDEX_KEY = "TEST-ONLY-new-blind-index-key"

    output = rotate("--blind-indexes")

    assert "onboarding.Applicant.phone_index: rewrote 5, 0 already current" in output
    assert "onboarding.User.email_index: rewrote 5, 0 already current" in output
    for applicant in Applicant.objects.all():
        assert applicant.phone_index != old_indexes[applicant.reference]
        assert applicant.phone_index == blind_index.phone_index(applicant.phone)


@pytest.mark.django_db
def test_sign_in_works_during_index_rollout(client, settings):
    canary = make_canary()
    User.objects.create_superuser(canary.email, canary.password)
    settings.VAULT_BLIND_INDEX_PREVIOUS_KEYS = [settings.VAULT_BLIND_INDEX_KEY]
    settings.VAULT_BLIND_INDEX_KEY = "TEST-ONLY-new-blind-index-key"

    assert client.login(username=canary.email.upper(), password=canary.password)


@pytest.mark.django_db
def test_index_carries_key_version(applicants):
    user = applicants[0].user

    assert user.email_index.startswith(f"{blind_index.current_version()}:")
