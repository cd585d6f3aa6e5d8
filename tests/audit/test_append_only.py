"""Audit rows cannot be changed or deleted, through the ORM or through SQL."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.exceptions import AppendOnlyError
from audit.models import AccessEvent, ChainCheckpoint, ChangeEntry
from audit.verification import verify_chain
from vault.keys import reset_caches

pytestmark = pytest.mark.django_db

SQL_CHANGES = {
    "update access event": "UPDATE audit_accessevent SET field = 'x' WHERE id = %s",
    "delete access event": "DELETE FROM audit_accessevent WHERE id = %s",
    "update change entry": (
        "UPDATE audit_changeentry SET object_repr = 'x' WHERE id = %s"
    ),
    "delete change entry": "DELETE FROM audit_changeentry WHERE id = %s",
}


@pytest.fixture
def change_entry(staff_user) -> ChangeEntry:
    return ChangeEntry.objects.filter(object_repr=str(staff_user.pk)).latest("id")


@pytest.mark.parametrize("name", SQL_CHANGES)
def test_sql_change_rejected(name, access_event, change_entry):
    target = access_event if "access" in name else change_entry

    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SQL_CHANGES[name], [target.pk])

    assert type(target).objects.filter(pk=target.pk).exists()
    assert verify_chain(type(target)).intact


def test_checkpoint_cannot_change(db):
    checkpoint = ChainCheckpoint.objects.create(
        chain="access_events", last_id=1, last_hash="x", purged_rows=1, signature="y"
    )

    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_chaincheckpoint SET last_id = 2 WHERE id = %s",
                [checkpoint.pk],
            )


def test_saving_stored_entry_raises(access_event):
    access_event.field = "changed"

    with pytest.raises(AppendOnlyError, match="append-only"):
        access_event.save()


def test_deleting_entry_raises(access_event):
    with pytest.raises(AppendOnlyError):
        access_event.delete()


@pytest.mark.parametrize(
    "bulk_write",
    [
        pytest.param(lambda: AccessEvent.objects.update(field="x"), id="update"),
        pytest.param(lambda: AccessEvent.objects.all().delete(), id="delete"),
        pytest.param(
            lambda: AccessEvent.objects.bulk_create([AccessEvent(action="view")]),
            id="bulk_create",
        ),
        pytest.param(lambda: ChangeEntry.objects.update(cid="x"), id="change update"),
    ],
)
def test_bulk_writes_raise(access_event, bulk_write):
    with pytest.raises(AppendOnlyError):
        bulk_write()


def test_key_rotation_reencrypts_reasons(staff_user, settings):
    from audit.services import access_event_record

    event = access_event_record(
        actor=staff_user,
        action=AccessEvent.Action.REVEAL,
        reason="The applicant asked us to confirm the number.",
    )
    stored_before = _stored_reason(event.pk)
    settings.VAULT_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.VAULT_ENCRYPTION_KEYS,
    ]
    reset_caches()
    try:
        call_command("rotate_encryption_keys", "--no-progress", stdout=io.StringIO())

        assert _stored_reason(event.pk) != stored_before
        assert AccessEvent.objects.get(pk=event.pk).reason == event.reason
        assert verify_chain(AccessEvent).intact
    finally:
        settings.VAULT_ENCRYPTION_KEYS = settings.VAULT_ENCRYPTION_KEYS[1:]
        reset_caches()


def test_changed_reason_breaks_chain(staff_user):
    from audit.services import access_event_record
    from vault.fields import encrypt_text

    event = access_event_record(
        actor=staff_user,
        action=AccessEvent.Action.REVEAL,
        reason="The applicant asked us to confirm the number.",
    )
    # The trigger allows reason-only updates, for key rotation, so this
    # needs no superuser rights. The chain covers the plaintext.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_accessevent SET reason = %s WHERE id = %s",
            [encrypt_text("A different reason written later."), event.pk],
        )

    report = verify_chain(AccessEvent)
    assert report.broken_id == event.pk
    assert report.problem == "link mismatch"


def _stored_reason(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM audit_accessevent WHERE id = %s", [pk])
        return cursor.fetchone()[0]
