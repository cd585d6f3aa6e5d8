"""The same task and settings work with RabbitMQ as the broker.

Needs RabbitMQ on 127.0.0.1:5672 with the guest account, and is skipped
when nothing listens there. Leave it out with ``-m "not rabbitmq"``.
"""

import socket

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app as project_app
from tests.retention import records
from tests.retention.conftest import wait_for_entries
from vault.celery_guard import PiiInTaskArgumentsError

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
TASK = "onboarding.tasks.retention_run"

pytestmark = pytest.mark.rabbitmq


def rabbitmq_listening() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def rabbitmq_app():
    """Return a Celery app configured like the project's, on RabbitMQ."""
    if not rabbitmq_listening():
        pytest.skip("RabbitMQ is not listening on 127.0.0.1:5672.")
    rabbitmq = Celery("rabbitmq-check")
    rabbitmq.config_from_object("django.conf:settings", namespace="CELERY")
    rabbitmq.conf.broker_url = RABBITMQ_URL
    rabbitmq.conf.task_default_queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-amqp"
    # With AMQP heartbeats on, the worker thread takes about ten seconds to
    # stop, and without them about one.
    rabbitmq.conf.broker_heartbeat = 0
    # A port that accepts TCP but no AMQP handshake would otherwise make the
    # publish retry for ever and hang the suite.
    rabbitmq.conf.broker_connection_timeout = 5
    rabbitmq.conf.broker_connection_max_retries = 3
    yield rabbitmq
    # start_worker makes its app the current one; the other tests publish
    # through the project's app on Redis.
    project_app.set_current()
    project_app.set_default()
    with rabbitmq.connection_for_write() as connection:
        connection.default_channel.queue_delete(rabbitmq.conf.task_default_queue)
    rabbitmq.close()


@pytest.mark.django_db(transaction=True)
def test_rabbitmq_runs_retention_task(rabbitmq_app, canary):
    records.anonymous_session(expires_in=-records.MARGIN)

    with start_worker(
        rabbitmq_app, pool="solo", perform_ping_check=False, shutdown_timeout=30
    ):
        rabbitmq_app.send_task(TASK, args=["expired_sessions"])
        entries = wait_for_entries("expired_sessions", 1)
        with pytest.raises(PiiInTaskArgumentsError):
            rabbitmq_app.send_task(TASK, args=[canary.email])

    assert entries[0].detail["counts"] == {"sessions.Session": 1}
    assert rabbitmq_app.conf.task_serializer == "json"
    assert rabbitmq_app.conf.task_acks_late is True
