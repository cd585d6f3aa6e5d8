"""A real Celery worker on the local Redis, and helpers to wait for its runs.

The worker runs in a thread of the test process, consumes this test run's
own queue (CELERY_TASK_DEFAULT_QUEUE in the test settings) and reads the
test database through its own connection. Tests that use it must commit
their data, so they use ``django_db(transaction=True)``.
"""

import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from audit.models import AccessEvent
from config.celery import app
from onboarding.retention.runner import RETENTION_RUN
from onboarding.tasks import retention_run
from tests.portal.conftest import make_staff, portal_client, staff_roles  # noqa: F401

# Seconds a test waits for a worker to finish a run before it fails.
RUN_TIMEOUT = 60
POLL_INTERVAL = 0.1


@pytest.fixture(scope="module")
def celery_worker(django_db_blocker):
    """Return a worker thread that runs tasks until the test module ends.

    Two workers in one process share kombu's event loop and stall each
    other, so a module that starts a worker of its own, such as the
    RabbitMQ test, must not run while this one does.
    """
    with (
        django_db_blocker.unblock(),
        start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ) as worker,
    ):
        yield worker


@pytest.fixture(scope="session", autouse=True)
def broker_keys_removed():
    """Delete the Redis keys of this run's queues when the session ends."""
    yield
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    pattern = f"*{settings.CELERY_TASK_DEFAULT_QUEUE}*"
    for key in broker.scan_iter(match=pattern, count=1000):
        broker.delete(key)
    broker.close()


def retention_entries(rule: str) -> list[AccessEvent]:
    """Return the access-log entries of runs of ``rule``, oldest first."""
    return list(
        AccessEvent.objects.filter(action=RETENTION_RUN, detail__rule=rule).order_by(
            "id"
        )
    )


def wait_for_entries(rule: str, count: int) -> list[AccessEvent]:
    """Wait until ``count`` runs of ``rule`` are recorded, and return them."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        entries = retention_entries(rule)
        if len(entries) >= count:
            return entries
        time.sleep(POLL_INTERVAL)
    msg = f"{rule} recorded fewer than {count} runs within {RUN_TIMEOUT} s."
    raise AssertionError(msg)


def run_on_worker(rule: str) -> dict:
    """Publish one run of ``rule``, wait for its entry, and return its detail."""
    before = len(retention_entries(rule))
    retention_run.delay(rule)
    return wait_for_entries(rule, before + 1)[-1].detail
