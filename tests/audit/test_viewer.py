"""The audit viewers: who may read them, their filters and the CSV export."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent, ChangeEntry
from audit.services import access_event_record

pytestmark = pytest.mark.django_db

ACCESS_LIST = reverse("staff:audit_accessevent_changelist")
CHANGE_LIST = reverse("staff:audit_changeentry_changelist")
ACCESS_EXPORT = reverse("staff:audit_accessevent_export")
CHANGE_EXPORT = reverse("staff:audit_changeentry_export")
REASON = "Checking the number the applicant gave on the phone today."


@pytest.fixture
def security(portal_client):
    return portal_client("Security")


@pytest.fixture
def logged_events(make_staff):
    """Two staff members' events on two applicants, one of them a week old."""
    first, second = make_staff("Compliance"), make_staff("Support")
    week_ago = timezone.now() - datetime.timedelta(days=7)
    events = {
        "first view": access_event_record(
            actor=first,
            action=AccessEvent.Action.VIEW,
            applicant_reference="APL-AAAA-AAAA-AAAA",
        ),
        "first reveal": access_event_record(
            actor=first,
            action=AccessEvent.Action.REVEAL,
            applicant_reference="APL-AAAA-AAAA-AAAA",
            field="phone",
            reason=REASON,
        ),
        "second view": access_event_record(
            actor=second,
            action=AccessEvent.Action.VIEW,
            applicant_reference="APL-BBBB-BBBB-BBBB",
        ),
    }
    old = AccessEvent(
        actor=second,
        action=AccessEvent.Action.SEARCH,
        occurred_at=week_ago,
        detail={"kind": "reference"},
    )
    old.save()
    events["old search"] = old
    return {"first": first, "second": second, **events}


def listed_ids(response) -> set[int]:
    assert response.status_code == 200
    return {entry.pk for entry in response.context["cl"].result_list}


def exported_rows(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    "url", [ACCESS_LIST, CHANGE_LIST, ACCESS_EXPORT, CHANGE_EXPORT]
)
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("Security", True),
        ("Administrator", True),
        ("Support", False),
        ("Compliance", False),
    ],
)
def test_viewer_access_by_role(portal_client, url, role, allowed):
    response = portal_client(role).get(url)

    assert (response.status_code == 200) is allowed


def test_filter_by_action(security, logged_events):
    response = security.get(ACCESS_LIST, {"action__exact": "reveal"})

    assert listed_ids(response) == {logged_events["first reveal"].pk}


def test_filter_by_actor(security, logged_events):
    response = security.get(
        ACCESS_LIST, {"actor__id__exact": str(logged_events["second"].pk)}
    )

    assert listed_ids(response) == {
        logged_events["second view"].pk,
        logged_events["old search"].pk,
    }


def test_filter_by_applicant_reference(security, logged_events):
    response = security.get(ACCESS_LIST, {"q": "APL-AAAA-AAAA-AAAA"})

    assert listed_ids(response) == {
        logged_events["first view"].pk,
        logged_events["first reveal"].pk,
    }


def test_reference_finds_exports_that_contained_it(security, logged_events):
    export = access_event_record(
        actor=logged_events["first"],
        action=AccessEvent.Action.EXPORT,
        detail={
            "rows": 2,
            "format": "csv, masked",
            "references": ["APL-AAAA-AAAA-AAAA", "APL-CCCC-CCCC-CCCC"],
        },
    )

    response = security.get(ACCESS_LIST, {"q": "apl-aaaa-aaaa-aaaa"})

    assert export.pk in listed_ids(response)
    assert logged_events["second view"].pk not in listed_ids(response)


def test_filter_by_time_range(security, logged_events):
    today = timezone.localdate()
    old_day = today - datetime.timedelta(days=7)

    response = security.get(
        ACCESS_LIST,
        {
            "occurred_at__gte": old_day.isoformat(),
            "occurred_at__lt": (old_day + datetime.timedelta(days=1)).isoformat(),
        },
    )

    assert listed_ids(response) == {logged_events["old search"].pk}


def test_invalid_time_range_rejected(security, logged_events):
    response = security.get(ACCESS_LIST, {"occurred_at__gte": "yesterday"})

    assert response.status_code == 302
    assert "e=1" in response["Location"]


def test_export_link_keeps_filters(security, logged_events):
    response = security.get(ACCESS_LIST, {"action__exact": "view"})

    assert f"{ACCESS_EXPORT}?action__exact=view" in response.content.decode()


def test_export_follows_filters(security, logged_events):
    response = security.get(ACCESS_EXPORT, {"action__exact": "reveal"})

    rows = exported_rows(response)
    assert [int(row["id"]) for row in rows] == [logged_events["first reveal"].pk]
    assert rows[0]["applicant_reference"] == "APL-AAAA-AAAA-AAAA"
    assert rows[0]["actor_id"] == str(logged_events["first"].pk)
    assert rows[0]["field"] == "phone"


def test_export_leaves_reason_out(security, logged_events):
    response = security.get(ACCESS_EXPORT)

    rows = exported_rows(response)
    assert "reason" not in rows[0]
    assert all(REASON not in str(row) for row in rows)


def test_invalid_export_filter_rejected(security, logged_events):
    response = security.get(ACCESS_EXPORT, {"occurred_at__gte": "yesterday"})

    assert response.status_code == 400


def test_change_export_names_fields(security, submitted_applicant, canary):
    response = security.get(CHANGE_EXPORT, {"q": submitted_applicant.reference})

    rows = exported_rows(response)
    assert rows
    assert {row["object_reference"] for row in rows} == {submitted_applicant.reference}
    assert any('"legal_name"' in row["changes"] for row in rows)
    for row in rows:
        for value in canary.searchable_values().values():
            assert value not in str(row)


def test_change_list_filters_by_model(security, submitted_applicant):
    applicant_type = (
        ChangeEntry.objects.filter(object_repr=submitted_applicant.reference)
        .first()
        .content_type
    )

    response = security.get(
        CHANGE_LIST, {"content_type__id__exact": str(applicant_type.pk)}
    )

    ids = listed_ids(response)
    assert ids
    assert set(
        ChangeEntry.objects.filter(pk__in=ids).values_list("content_type", flat=True)
    ) == {applicant_type.pk}


def test_detail_pages_open(security, logged_events):
    event = logged_events["first reveal"]
    entry = ChangeEntry.objects.latest("id")

    access = security.get(reverse("staff:audit_accessevent_change", args=[event.pk]))
    change = security.get(reverse("staff:audit_changeentry_change", args=[entry.pk]))

    assert access.status_code == 200
    assert REASON not in access.content.decode()
    assert f"Given, {len(REASON)} characters." in access.content.decode()
    assert change.status_code == 200


def reason_url(event) -> str:
    return reverse("staff:audit_accessevent_reason", args=[event.pk])


def test_reason_asked_for_before_shown(security, logged_events):
    event = logged_events["first reveal"]
    before = AccessEvent.objects.filter(action=AccessEvent.Action.REASON_READ).count()

    response = security.get(reason_url(event))

    assert response.status_code == 200
    assert REASON not in response.content.decode()
    assert (
        AccessEvent.objects.filter(action=AccessEvent.Action.REASON_READ).count()
        == before
    )


def test_reading_reason_is_recorded(security, logged_events):
    event = logged_events["first reveal"]

    response = security.post(reason_url(event))

    assert response.status_code == 200
    assert REASON in response.content.decode()
    reading = AccessEvent.objects.filter(action=AccessEvent.Action.REASON_READ).get()
    assert reading.actor_id == response.wsgi_request.user.pk
    assert reading.detail == {"event": event.pk}
    assert reading.reason == ""


@pytest.mark.parametrize("role", ["Support", "Compliance"])
def test_reason_closed_to_other_roles(portal_client, logged_events, role):
    response = portal_client(role).post(reason_url(logged_events["first reveal"]))

    assert response.status_code == 403
    assert not AccessEvent.objects.filter(
        action=AccessEvent.Action.REASON_READ
    ).exists()
