"""Writers in separate transactions and connections keep one unforked chain.

Each thread has its own database connection. One writes an access event and
then a change entry in each transaction, the other the opposite order, so
the test also shows that the two chains' heads cannot deadlock.
"""

import threading

import pytest
from django.db import connections, transaction

from audit.models import AccessEvent, ChangeEntry
from audit.services import access_event_record
from audit.verification import verify_chain
from onboarding.models import User

ENTRIES_PER_THREAD = 150
# Each thread gives up after this many seconds instead of hanging.
TIMEOUT = 120


def write_access_event(user: User, number: int) -> None:
    access_event_record(
        actor=user, action=AccessEvent.Action.VIEW, detail={"number": number}
    )


def write_change_entry(user: User, number: int) -> None:
    ChangeEntry.objects.log_create(
        user,
        force_log=True,
        action=ChangeEntry.Action.UPDATE,
        changes={"is_active": ["True", "True"], "number": [str(number)] * 2},
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_chain(staff_user):
    start = threading.Barrier(2, timeout=TIMEOUT)
    errors: list[BaseException] = []

    def writer(first, second) -> None:
        try:
            user = User.objects.get(pk=staff_user.pk)
            start.wait()
            for number in range(ENTRIES_PER_THREAD):
                with transaction.atomic():
                    first(user, number)
                    second(user, number)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    access_before = AccessEvent.objects.count()
    changes_before = ChangeEntry.objects.count()
    threads = [
        threading.Thread(target=writer, args=(write_access_event, write_change_entry)),
        threading.Thread(target=writer, args=(write_change_entry, write_access_event)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    written = 2 * ENTRIES_PER_THREAD
    assert AccessEvent.objects.count() == access_before + written
    assert ChangeEntry.objects.count() == changes_before + written
    for model in (AccessEvent, ChangeEntry):
        report = verify_chain(model)
        assert report.intact, report.describe()
        ids = list(model.objects.order_by("id").values_list("id", flat=True))
        assert ids == list(range(ids[0], ids[0] + len(ids)))
