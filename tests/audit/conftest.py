import pytest
from django.db import connection

from audit.models import AccessEvent, ChangeEntry
from tests.portal.conftest import make_staff, portal_client, staff_roles  # noqa: F401

AUDIT_TABLES = (
    "audit_accessevent",
    "audit_changeentry",
    "audit_chainhead",
    "audit_chaincheckpoint",
    "audit_securityevent",
    "audit_revealsuspension",
)


def tamper(sql: str, params: list | None = None) -> None:
    """Run ``sql`` with every trigger off, as a database superuser can.

    session_replication_role needs superuser rights, which the test
    database user has; the application's own database user should not.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params or [])
        finally:
            cursor.execute("SET session_replication_role = origin")


def last_id(model) -> int:
    return model.objects.order_by("-id").values_list("id", flat=True).first() or 0


def entries_after(model, after: int):
    return list(model.objects.filter(id__gt=after).order_by("id"))


@pytest.fixture
def access_event(staff_user) -> AccessEvent:
    from audit.services import access_event_record

    return access_event_record(
        actor=staff_user,
        action=AccessEvent.Action.VIEW,
        applicant_reference="APL-TEST-0000-0001",
    )


@pytest.fixture
def audit_marks(db) -> dict:
    """Return the newest id of each chained table before the test acts."""
    return {AccessEvent: last_id(AccessEvent), ChangeEntry: last_id(ChangeEntry)}
