"""Task arguments carry names and ids only, and personal data is rejected."""

import logging

import pytest
import redis
from celery.signals import before_task_publish
from django.conf import settings
from django.db import OperationalError

from config.celery import app
from onboarding.retention.rules import ExpiredSessions
from onboarding.tasks import retention_run
from tests.retention import records
from tests.retention.conftest import wait_for_entries
from vault.celery_guard import PiiInTaskArgumentsError, reject_pii_arguments

TASK = "onboarding.tasks.retention_run"


@pytest.fixture
def unconsumed_queue():
    """Return a queue no worker reads, and a function that counts its messages."""
    name = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-unconsumed"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(name)
    yield name, lambda: broker.llen(name)
    broker.delete(name)
    broker.close()


@pytest.mark.parametrize(
    ("field", "kind"),
    [("email", "email"), ("phone_e164", "phone"), ("national_id", "national ID")],
)
def test_canary_argument_rejected_at_publish(canary, unconsumed_queue, field, kind):
    queue, queued = unconsumed_queue
    value = getattr(canary, field)

    with pytest.raises(PiiInTaskArgumentsError, match=kind) as rejected:
        retention_run.apply_async(args=[value], queue=queue)

    assert queued() == 0
    assert value not in str(rejected.value)


def test_canary_in_nested_kwargs_rejected(canary, unconsumed_queue):
    queue, queued = unconsumed_queue

    with pytest.raises(PiiInTaskArgumentsError, match="email"):
        app.send_task(
            TASK, kwargs={"rule_name": {"notes": [canary.email]}}, queue=queue
        )

    assert queued() == 0


def test_rule_name_published(unconsumed_queue):
    queue, queued = unconsumed_queue

    retention_run.apply_async(args=["abandoned_drafts"], queue=queue)

    assert queued() == 1


def test_debug_rejects_without_setting(settings, canary):
    settings.DEBUG = True
    settings.CELERY_REJECT_PII_ARGUMENTS = False

    with pytest.raises(PiiInTaskArgumentsError, match="email"):
        reject_pii_arguments(sender=TASK, body=([canary.email], {}, {}))


def test_production_warns_with_kind_only(settings, canary, caplog):
    settings.DEBUG = False
    settings.CELERY_REJECT_PII_ARGUMENTS = False

    with caplog.at_level(logging.WARNING, logger="vault.celery_guard"):
        reject_pii_arguments(sender=TASK, body=([], {"to": canary.email}, {}))

    assert TASK in caplog.text
    assert "email" in caplog.text
    assert canary.email not in caplog.text


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_retry_resends_rule_name_only(monkeypatch):
    published = []

    def record(sender=None, body=None, **kwargs):
        if sender == TASK:
            published.append((list(body[0]), dict(body[1])))

    original_apply = ExpiredSessions.apply
    calls = []

    def fail_once(self, keys, run):
        calls.append(len(keys))
        if len(calls) == 1:
            msg = "server closed the connection unexpectedly"
            raise OperationalError(msg)
        return original_apply(self, keys, run)

    monkeypatch.setattr(ExpiredSessions, "apply", fail_once)
    records.anonymous_session(expires_in=-records.MARGIN)
    before_task_publish.connect(record, weak=False)
    try:
        retention_run.delay("expired_sessions")
        entries = wait_for_entries("expired_sessions", 2)
    finally:
        before_task_publish.disconnect(record)

    assert [entry.detail["outcome"] for entry in entries] == ["failed", "completed"]
    assert entries[1].detail["counts"] == {"sessions.Session": 1}
    assert published == [(["expired_sessions"], {}), (["expired_sessions"], {})]
