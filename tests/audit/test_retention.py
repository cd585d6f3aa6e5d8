"""purge_audit_trail deletes old entries and leaves a verifiable chain."""

import datetime
import io
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit.chain import checkpoint_signature
from audit.models import AccessEvent, ChainCheckpoint, ChangeEntry
from audit.verification import verify_chain
from tests.audit.conftest import tamper

pytestmark = pytest.mark.django_db

OLD = timezone.now() - datetime.timedelta(days=800)
CUT_OFF = (timezone.now() - datetime.timedelta(days=700)).date().isoformat()


@pytest.fixture
def old_and_new(staff_user) -> tuple[list[AccessEvent], list[AccessEvent]]:
    old = [_event_at(staff_user, OLD + datetime.timedelta(minutes=n)) for n in range(3)]
    new = [_event_at(staff_user, timezone.now()) for _ in range(2)]
    return old, new


def _event_at(user, moment) -> AccessEvent:
    event = AccessEvent(actor=user, action=AccessEvent.Action.VIEW, occurred_at=moment)
    event.save()
    return event


def purge(*arguments: str) -> str:
    output = io.StringIO()
    call_command("purge_audit_trail", "--before", CUT_OFF, *arguments, stdout=output)
    return output.getvalue()


def test_purge_deletes_old_entries(old_and_new, caplog):
    old, new = old_and_new
    caplog.set_level(logging.WARNING, logger="audit.retention")

    output = purge()

    remaining = set(AccessEvent.objects.values_list("id", flat=True))
    assert not remaining & {event.pk for event in old}
    assert {event.pk for event in new} <= remaining
    assert f"audit_accessevent: deleted 3 rows up to id {old[-1].pk}" in output
    assert f"Purged 3 rows of audit_accessevent up to id {old[-1].pk}" in caplog.text


def test_purge_leaves_signed_checkpoint(old_and_new):
    old, _ = old_and_new

    purge()

    checkpoint = ChainCheckpoint.objects.get(chain=AccessEvent.CHAIN)
    assert checkpoint.last_id == old[-1].pk
    assert checkpoint.last_hash == old[-1].chain_hash
    assert checkpoint.purged_rows == 3
    assert checkpoint.signature == checkpoint_signature(checkpoint.signed_values())


def test_chain_verifies_after_purge(old_and_new):
    purge()

    report = verify_chain(AccessEvent)
    assert report.intact, report.describe()
    assert report.start_after_id == old_and_new[0][-1].pk
    assert verify_chain(ChangeEntry).intact
    call_command("verify_audit_trail", stdout=io.StringIO())


def test_purge_recorded_in_access_log(old_and_new):
    old, _ = old_and_new

    purge()

    event = AccessEvent.objects.get(action=AccessEvent.Action.AUDIT_PURGE)
    checkpoint = ChainCheckpoint.objects.get(chain=AccessEvent.CHAIN)
    assert event.actor is None
    assert event.detail == {
        "table": "audit_accessevent",
        "rows": 3,
        "last_id": old[-1].pk,
        "checkpoint": checkpoint.pk,
    }


def test_dry_run_changes_nothing(old_and_new):
    before = AccessEvent.objects.count()

    output = purge("--dry-run")

    assert "would delete 3 rows" in output
    assert AccessEvent.objects.count() == before
    assert not ChainCheckpoint.objects.exists()


def test_recent_cut_off_refused(old_and_new):
    recent = (timezone.now() - datetime.timedelta(days=30)).date().isoformat()

    with pytest.raises(CommandError, match="AUDIT_MINIMUM_RETENTION_DAYS"):
        call_command("purge_audit_trail", "--before", recent, stdout=io.StringIO())


def test_broken_part_not_purged(old_and_new):
    old, _ = old_and_new
    tamper("UPDATE audit_accessevent SET field = 'x' WHERE id = %s", [old[1].pk])

    with pytest.raises(CommandError, match=rf"broken at row {old[1].pk}"):
        purge()

    assert AccessEvent.objects.filter(pk=old[0].pk).exists()
    assert not ChainCheckpoint.objects.exists()


def test_forged_checkpoint_found(old_and_new):
    purge()
    checkpoint = ChainCheckpoint.objects.get(chain=AccessEvent.CHAIN)
    tamper(
        "UPDATE audit_chaincheckpoint SET purged_rows = 1 WHERE id = %s",
        [checkpoint.pk],
    )

    assert verify_chain(AccessEvent).problem == "invalid checkpoint signature"


def test_trigger_back_after_purge(old_and_new):
    _, new = old_and_new
    purge()

    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_accessevent WHERE id = %s", [new[0].pk])
