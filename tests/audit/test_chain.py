"""The hash chain: links, ids, keys and the fields each link covers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit import chain
from audit.models import CHAINED_MODELS, AccessEvent, ChainHead, ChangeEntry
from audit.services import access_event_record
from audit.verification import verify_chain

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", CHAINED_MODELS, ids=lambda model: model.__name__)
def test_link_covers_every_column(model):
    columns = {field.attname for field in model._meta.concrete_fields}

    assert set(model.CHAINED_FIELDS) == columns - {"chain_hash"}


def test_link_depends_on_previous_and_values():
    values = {"id": 1, "action": "view"}
    link = chain.link_hash(chain="access_events", previous="", values=values)

    assert link == chain.link_hash(chain="access_events", previous="", values=values)
    assert link != chain.link_hash(chain="access_events", previous="x", values=values)
    assert link != chain.link_hash(
        chain="access_events", previous="", values={**values, "action": "reveal"}
    )
    assert link != chain.link_hash(chain="change_entries", previous="", values=values)


def test_link_starts_with_key_version(settings):
    link = chain.link_hash(chain="access_events", previous="", values={})
    version = chain.key_version(settings.AUDIT_CHAIN_KEY.encode())

    assert link.startswith(f"{version}:")
    assert len(link) == chain.CHAIN_HASH_LENGTH


def test_canonical_json_normalizes_time_zone():
    utc = datetime.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
    helsinki = utc.astimezone(datetime.timezone(datetime.timedelta(hours=2)))

    assert chain.canonical_json({"at": utc}) == chain.canonical_json({"at": helsinki})


def test_entries_take_consecutive_ids(staff_user):
    events = [
        access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)
        for _ in range(3)
    ]

    ids = [event.pk for event in events]
    assert ids == list(range(ids[0], ids[0] + 3))
    head = ChainHead.objects.get(chain=AccessEvent.CHAIN)
    assert head.last_id == ids[-1]


def test_each_link_follows_the_previous(staff_user):
    first = access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)
    second = access_event_record(actor=staff_user, action=AccessEvent.Action.SEARCH)

    second.refresh_from_db()
    expected = chain.link_hash(
        chain=AccessEvent.CHAIN,
        previous=first.chain_hash,
        values=second.chained_values(),
    )
    assert second.chain_hash == expected


def test_stored_entry_links_as_saved(staff_user):
    event = access_event_record(
        actor=staff_user,
        action=AccessEvent.Action.REVEAL,
        reason="A reason long enough to pass.",
        detail={"rule": "x", "count": 2, "nested": [1, {"b": 1, "a": 2}]},
    )
    saved_link = event.chain_hash

    stored = AccessEvent.objects.get(pk=event.pk)

    assert (
        chain.link_hash(
            chain=AccessEvent.CHAIN,
            previous=_previous_hash(AccessEvent, event.pk),
            values=stored.chained_values(),
        )
        == saved_link
    )


def test_previous_key_still_verifies(staff_user, settings):
    access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)
    old_key = settings.AUDIT_CHAIN_KEY
    settings.AUDIT_CHAIN_KEY = "TEST-ONLY-audit-chain-key-new"
    settings.AUDIT_CHAIN_PREVIOUS_KEYS = [old_key]

    newer = access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)

    assert newer.chain_hash.startswith(
        chain.key_version(settings.AUDIT_CHAIN_KEY.encode())
    )
    assert verify_chain(AccessEvent).intact


def test_dropped_key_fails_verification(staff_user, settings):
    access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)
    settings.AUDIT_CHAIN_KEY = "TEST-ONLY-audit-chain-key-new"

    report = verify_chain(AccessEvent)

    assert report.problem == "unknown key version"


def test_missing_head_continues_chain(staff_user):
    first = access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)
    ChainHead.objects.filter(chain=AccessEvent.CHAIN).delete()

    second = access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)

    assert second.pk == first.pk + 1
    assert verify_chain(AccessEvent).intact


def test_lone_writer_needs_one_statement(staff_user):
    access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)

    with CaptureQueriesContext(connection) as queries:
        access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)

    assert len(queries) == 1


@pytest.mark.parametrize("stale", ["behind", "unknown"])
def test_stale_remembered_head_still_links(staff_user, stale):
    first = access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)
    access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)
    # As if another process had written the second entry: this process
    # remembers the head after the first entry, or a head that never was.
    remembered = (connection.alias, AccessEvent.CHAIN)
    chain._known_heads[remembered] = (
        (first.pk, first.chain_hash) if stale == "behind" else (10**9, "v:unknown")
    )

    third = access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)

    assert third.pk == first.pk + 2
    assert verify_chain(AccessEvent).intact
    assert chain._known_heads[remembered] == (third.pk, third.chain_hash)


def test_head_holds_newest_link(staff_user):
    entry = access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)

    head = ChainHead.objects.get(chain=AccessEvent.CHAIN)

    assert (head.last_id, head.last_hash) == (entry.pk, entry.chain_hash)


def test_change_entries_chain_separately(staff_user):
    access_event_record(actor=staff_user, action=AccessEvent.Action.VIEW)

    assert verify_chain(AccessEvent).intact
    assert verify_chain(ChangeEntry).intact


def _previous_hash(model, entry_id: int) -> str:
    previous = model.objects.filter(id__lt=entry_id).order_by("-id").first()
    return previous.chain_hash if previous else ""
