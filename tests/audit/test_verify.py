"""verify_audit_trail and the nightly task find tampering, by table and row."""

import io
import logging

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from audit.models import AccessEvent, ChainHead, ChangeEntry, SecurityEvent
from audit.services import AUDIT_CHAIN_BROKEN, access_event_record
from audit.tasks import audit_trail_verify
from tests.audit.conftest import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(staff_user) -> list[AccessEvent]:
    return [
        access_event_record(
            actor=staff_user,
            action=AccessEvent.Action.VIEW,
            applicant_reference=f"APL-TEST-0000-000{number}",
        )
        for number in range(5)
    ]


def verify() -> str:
    output = io.StringIO()
    call_command("verify_audit_trail", "--batch-size", "2", stdout=output)
    return output.getvalue()


def test_intact_trail_verifies(events):
    output = verify()

    assert (
        f"audit_accessevent: 5 entries verified, from id 1 to {events[-1].pk}."
        in output
    )
    assert "audit_changeentry:" in output


def test_altered_row_found_by_id(events):
    altered = events[2]
    tamper(
        "UPDATE audit_accessevent SET applicant_reference = %s WHERE id = %s",
        ["APL-FORGED-0000-00", altered.pk],
    )

    with pytest.raises(
        CommandError, match=rf"audit_accessevent is broken at row {altered.pk}:"
    ):
        verify()


def test_altered_change_entry_found_by_id(staff_user):
    entry = ChangeEntry.objects.latest("id")
    tamper(
        "UPDATE audit_changeentry SET changes = '{}'::jsonb WHERE id = %s", [entry.pk]
    )

    with pytest.raises(
        CommandError, match=rf"audit_changeentry is broken at row {entry.pk}:"
    ):
        verify()


def test_deleted_row_breaks_next_link(events):
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [events[1].pk])

    with pytest.raises(CommandError, match=rf"broken at row {events[2].pk}:"):
        verify()


def test_deleted_newest_rows_found(events):
    tamper("DELETE FROM audit_accessevent WHERE id >= %s", [events[3].pk])

    with pytest.raises(
        CommandError, match=rf"broken at row {events[3].pk}: the chain head"
    ):
        verify()


def test_inserted_row_found(events):
    tamper(
        "INSERT INTO audit_accessevent (id, occurred_at, action, outcome, "
        "applicant_reference, field, reason, client_network, detail, request_id, "
        "chain_hash) SELECT id + 1000, occurred_at, action, outcome, "
        "applicant_reference, field, reason, client_network, detail, request_id, "
        "chain_hash FROM audit_accessevent WHERE id = %s",
        [events[-1].pk],
    )
    ChainHead.objects.filter(chain=AccessEvent.CHAIN).update(
        last_id=events[-1].pk + 1000
    )

    with pytest.raises(CommandError, match=rf"broken at row {events[-1].pk + 1000}:"):
        verify()


def test_swapped_rows_found(events):
    first, second = events[1], events[2]
    tamper(
        "UPDATE audit_accessevent SET id = -id WHERE id IN (%s, %s)",
        [first.pk, second.pk],
    )
    tamper(
        "UPDATE audit_accessevent SET id = CASE id WHEN %s THEN %s ELSE %s END "
        "WHERE id IN (%s, %s)",
        [-first.pk, second.pk, first.pk, -first.pk, -second.pk],
    )

    with pytest.raises(CommandError, match=rf"broken at row {first.pk}:"):
        verify()


def test_task_records_security_event(events):
    tamper("UPDATE audit_accessevent SET field = 'phone' WHERE id = %s", [events[0].pk])

    broken = audit_trail_verify.apply().get()

    assert broken == 1
    event = SecurityEvent.objects.get()
    assert event.severity == SecurityEvent.Severity.CRITICAL
    assert event.rule == AUDIT_CHAIN_BROKEN
    assert event.detail == {
        "table": "audit_accessevent",
        "row": events[0].pk,
        "problem": "link mismatch",
    }


def test_task_quiet_when_intact(events, caplog):
    caplog.set_level(logging.INFO, logger="audit.services")

    assert audit_trail_verify.apply().get() == 0
    assert not SecurityEvent.objects.exists()
    assert f"newest id {events[-1].pk}" in caplog.text


def test_task_scheduled_daily():
    from config.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["verify-audit-trail"]

    assert entry["task"] == audit_trail_verify.name
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {3}
    assert entry["schedule"].day_of_week == set(range(7))


def test_append_after_deleted_newest_row(events, staff_user):
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [events[-1].pk])

    newer = access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)

    # The head still contains the deleted entry's link, so the new entry follows
    # it, and the walk finds that the entry before the new one is not it.
    assert newer.pk == events[-1].pk + 1
    with pytest.raises(CommandError, match=rf"broken at row {newer.pk}:"):
        verify()
