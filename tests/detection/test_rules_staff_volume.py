"""Staff access volume: too many record views and reveals in one hour.

Reaching the threshold raises a high event and suspends the staff member's
reveal right until a security officer restores it on the dashboard.
"""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent, RevealSuspension, SecurityEvent
from tests.detection.conftest import (
    alert_text,
    assert_alert_delivered,
    assert_no_canary,
    detail_url,
    event_text,
    reveal,
)

pytestmark = pytest.mark.django_db(transaction=True)

RULE = "staff access volume"
THRESHOLD = 3
SUSPENSIONS = reverse("staff:audit_revealsuspension_changelist")


@pytest.fixture(autouse=True)
def low_threshold(settings):
    settings.DETECTION_STAFF_ACCESSES_PER_HOUR = THRESHOLD


@pytest.fixture
def compliance(portal_client):
    return portal_client("Compliance")


def volume_events():
    return list(SecurityEvent.objects.filter(rule=RULE))


def test_many_views_trip_and_suspend(
    compliance,
    submitted_applicant,
    other_applicants,
    canary,
    alert_channels,
    celery_worker,
    caplog,
):
    caplog.set_level(logging.INFO)
    viewed = [*other_applicants[: THRESHOLD - 1], submitted_applicant]

    codes = [compliance.get(detail_url(applicant)).status_code for applicant in viewed]

    assert codes == [200] * THRESHOLD
    [event] = volume_events()
    assert event.severity == SecurityEvent.Severity.HIGH
    assert event.count == THRESHOLD
    assert event.references == [submitted_applicant.reference]
    assert event.source == f"staff {compliance.staff_member.pk}"
    suspension = RevealSuspension.objects.get()
    assert suspension.user == compliance.staff_member
    assert suspension.security_event == event
    assert_alert_delivered(event, alert_channels)
    assert_no_canary(canary, event_text(event), alert_text(alert_channels), caplog.text)


def test_suspended_reveal_is_refused(
    compliance, submitted_applicant, other_applicants, canary
):
    for applicant in other_applicants[:THRESHOLD]:
        compliance.get(detail_url(applicant))

    response = reveal(compliance, submitted_applicant)

    assert response.status_code == 403
    assert canary.phone_e164 not in response.content.decode()
    refusal = AccessEvent.objects.get(
        action=AccessEvent.Action.REVEAL, outcome=AccessEvent.Outcome.DENIED
    )
    assert refusal.detail == {"rule": "suspended"}


def test_reveals_count_toward_volume(compliance, submitted_applicant, other_applicants):
    for applicant in other_applicants[: THRESHOLD - 1]:
        assert reveal(compliance, applicant).status_code == 200

    assert volume_events() == []
    assert reveal(compliance, submitted_applicant).status_code == 200
    assert len(volume_events()) == 1


def test_security_officer_restores_reveal_right(
    compliance, portal_client, submitted_applicant, other_applicants, canary
):
    for applicant in other_applicants[:THRESHOLD]:
        compliance.get(detail_url(applicant))
    suspension = RevealSuspension.objects.get()
    security = portal_client("Security")

    response = security.post(
        SUSPENSIONS,
        {"action": "restore", "_selected_action": [suspension.pk]},
    )

    assert response.status_code == 302
    suspension.refresh_from_db()
    assert suspension.restored_by == security.staff_member
    assert suspension.restored_at is not None
    restore = AccessEvent.objects.get(action=AccessEvent.Action.REVEAL_RIGHT_RESTORE)
    assert restore.actor == security.staff_member
    assert restore.detail["user"] == str(compliance.staff_member.pk)
    # The counter of this hour is past the threshold, so the next view
    # does not suspend the right again at once.
    response = reveal(compliance, submitted_applicant)
    assert response.status_code == 200
    assert canary.phone_e164 in response.content.decode()


def test_compliance_cannot_restore(compliance, other_applicants):
    for applicant in other_applicants[:THRESHOLD]:
        compliance.get(detail_url(applicant))
    suspension = RevealSuspension.objects.get()

    response = compliance.post(
        SUSPENSIONS, {"action": "restore", "_selected_action": [suspension.pk]}
    )

    assert response.status_code == 403
    suspension.refresh_from_db()
    assert suspension.restored_at is None


def test_officer_cannot_restore_own_right(portal_client, other_applicants):
    from audit.services import security_event_record
    from audit.triage import reveal_right_suspend

    security = portal_client("Security")
    event = security_event_record(severity="high", rule=RULE)
    suspension = reveal_right_suspend(
        user_id=security.staff_member.pk, security_event=event
    )

    security.post(
        SUSPENSIONS, {"action": "restore", "_selected_action": [suspension.pk]}
    )

    suspension.refresh_from_db()
    assert suspension.restored_at is None
    assert not AccessEvent.objects.filter(
        action=AccessEvent.Action.REVEAL_RIGHT_RESTORE
    ).exists()


def past_views(staff_member, *, hours: int, per_hour: int) -> None:
    """Record ``per_hour`` views in each of the ``hours`` hours before this one."""
    this_hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for hours_ago in range(1, hours + 1):
        for _view in range(per_hour):
            AccessEvent(
                actor=staff_member,
                action=AccessEvent.Action.VIEW,
                applicant_reference="APL-PAST-0000-0001",
                occurred_at=this_hour - datetime.timedelta(hours=hours_ago),
            ).save()


def test_busy_staff_member_gets_higher_threshold(
    compliance, submitted_applicant, other_applicants, settings
):
    settings.DETECTION_STAFF_VOLUME_FACTOR = 2
    # Usually two views an hour, so this hour's threshold is four.
    past_views(compliance.staff_member, hours=3, per_hour=2)
    viewed = [*other_applicants, submitted_applicant]

    for applicant in viewed[:THRESHOLD]:
        compliance.get(detail_url(applicant))
    assert volume_events() == []

    compliance.get(detail_url(viewed[THRESHOLD]))
    [event] = volume_events()
    assert event.count == 2 * 2
    assert event.detail["threshold"] == 2 * 2


def test_quiet_staff_member_keeps_floor(compliance, other_applicants, settings):
    # Usually one view an hour: three times that is under the floor.
    past_views(compliance.staff_member, hours=5, per_hour=1)

    for applicant in other_applicants[:THRESHOLD]:
        compliance.get(detail_url(applicant))

    [event] = volume_events()
    assert event.count == THRESHOLD
