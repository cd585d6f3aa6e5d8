"""The security dashboard: Security role only, chart, top lists, acknowledge."""

import re

import pytest
from django.urls import reverse

from audit.models import AccessEvent, SecurityEvent
from audit.services import security_event_record

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("staff:audit_securityevent_changelist")
SUSPENSIONS = reverse("staff:audit_revealsuspension_changelist")


@pytest.fixture
def events(db) -> list[SecurityEvent]:
    return [
        security_event_record(
            severity="warning", rule="rule a", source="network 203.0.113.0/24"
        ),
        security_event_record(
            severity="warning", rule="rule a", source="network 203.0.113.0/24"
        ),
        security_event_record(severity="high", rule="rule b", source="staff 1"),
    ]


@pytest.fixture
def security(portal_client):
    return portal_client("Security")


def dashboard_section(page: str, element_id: str) -> str:
    found = re.search(rf'<div class="module" id="{element_id}">(.*?)</div>', page, re.S)
    assert found, f"no {element_id} section"
    return found.group(1)


@pytest.mark.parametrize("role", ["Support", "Compliance", "Administrator"])
def test_other_roles_get_403(portal_client, role):
    client = portal_client(role)

    assert client.get(DASHBOARD).status_code == 403
    assert client.get(SUSPENSIONS).status_code == 403


def test_security_role_sees_dashboard(security, events):
    response = security.get(DASHBOARD)

    assert response.status_code == 200
    page = response.content.decode()
    chart = dashboard_section(page, "security-dashboard")
    assert "<svg" in chart
    assert 'data-total="3"' in chart
    assert chart.count('class="severity-warning"') == 1
    assert chart.count('class="severity-high"') == 1
    assert "3 open events to acknowledge" in chart
    assert "style=" not in chart
    assert "<script" not in chart


def test_top_rules_and_sources(security, events):
    page = security.get(DASHBOARD).content.decode()

    rules = dashboard_section(page, "top-rules")
    assert re.search(
        r"<td>rule a</td><td>2</td>.*<td>rule b</td><td>1</td>", rules, re.S
    )
    sources = dashboard_section(page, "top-sources")
    assert "<td>network 203.0.113.0/24</td><td>2</td>" in sources


def test_acknowledge_is_recorded(security, events):
    chosen = [events[0].pk, events[2].pk]

    response = security.post(
        DASHBOARD, {"action": "acknowledge", "_selected_action": chosen}
    )

    assert response.status_code == 302
    for event in events:
        event.refresh_from_db()
    assert events[0].status == SecurityEvent.Status.ACKNOWLEDGED
    assert events[0].acknowledged_by == security.staff_member
    assert events[0].acknowledged_at is not None
    assert events[1].status == SecurityEvent.Status.OPEN
    entry = AccessEvent.objects.get(
        action=AccessEvent.Action.SECURITY_EVENT_ACKNOWLEDGE
    )
    assert entry.actor == security.staff_member
    assert entry.detail == {"security_events": sorted(chosen)}


def test_acknowledge_twice_keeps_first(security, portal_client, events):
    security.post(
        DASHBOARD, {"action": "acknowledge", "_selected_action": [events[0].pk]}
    )
    other = portal_client("Security")

    other.post(DASHBOARD, {"action": "acknowledge", "_selected_action": [events[0].pk]})

    events[0].refresh_from_db()
    assert events[0].acknowledged_by == security.staff_member
    assert (
        AccessEvent.objects.filter(
            action=AccessEvent.Action.SECURITY_EVENT_ACKNOWLEDGE
        ).count()
        == 1
    )


def test_acknowledge_needs_post(security, events):
    response = security.get(
        DASHBOARD, {"action": "acknowledge", "_selected_action": [events[0].pk]}
    )

    events[0].refresh_from_db()
    # The admin treats the unknown query parameters as a bad filter.
    assert response.status_code == 302
    assert events[0].status == SecurityEvent.Status.OPEN


def test_compliance_cannot_acknowledge(portal_client, events):
    compliance = portal_client("Compliance")

    response = compliance.post(
        DASHBOARD, {"action": "acknowledge", "_selected_action": [events[0].pk]}
    )

    assert response.status_code == 403
    events[0].refresh_from_db()
    assert events[0].status == SecurityEvent.Status.OPEN


def test_event_detail_page(security, events):
    url = reverse("staff:audit_securityevent_change", args=[events[2].pk])

    response = security.get(url)

    assert response.status_code == 200
    assert "rule b" in response.content.decode()
