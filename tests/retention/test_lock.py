"""Two runs of one rule never overlap, because the second finds the lock.

The first test starts two worker processes with ``celery -A config worker``,
each on a queue of its own, and sends each the same rule at once. Batches
of one row with a pause between them keep the first run busy long enough
for the second to arrive.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from onboarding.retention import runner
from onboarding.tasks import retention_run
from tests.retention import records
from tests.retention.conftest import retention_entries, wait_for_entries

START_TIMEOUT = 60
STOP_TIMEOUT = 30
DRAFTS = 8


def database_url() -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def start_worker_process(queue: str, log: Path) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "RETENTION_BATCH_SIZE": "1",
        "RETENTION_BATCH_PAUSE_SECONDS": "0.3",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        f"--queues={queue}",
        f"--hostname={queue}@localhost",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_until_ready(worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if "ready." in log.read_text():
            return
        if worker.poll() is not None:
            msg = f"The worker exited with {worker.returncode}: {log.read_text()}"
            raise AssertionError(msg)
        time.sleep(0.2)
    msg = f"The worker was not ready within {START_TIMEOUT} s."
    raise AssertionError(msg)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=STOP_TIMEOUT)


@pytest.mark.django_db(transaction=True)
def test_two_workers_run_rule_once():
    limit = records.days("RETENTION_DRAFT_DAYS")
    drafts = [records.draft(limit + records.MARGIN) for _ in range(DRAFTS)]
    queues = [f"{settings.CELERY_TASK_DEFAULT_QUEUE}-lock-{n}" for n in (1, 2)]
    workers = []
    with tempfile.TemporaryDirectory() as folder:
        logs = [Path(folder) / f"{queue}.log" for queue in queues]
        try:
            for queue, log in zip(queues, logs, strict=True):
                workers.append(start_worker_process(queue, log))
            for worker, log in zip(workers, logs, strict=True):
                wait_until_ready(worker, log)

            for queue in queues:
                retention_run.apply_async(args=["abandoned_drafts"], queue=queue)
            entries = wait_for_entries("abandoned_drafts", 2)
        finally:
            for worker in workers:
                stop(worker)

    outcomes = sorted(entry.detail["outcome"] for entry in entries)
    assert outcomes == ["completed", "skipped"]
    completed = next(e for e in entries if e.detail["outcome"] == "completed")
    assert completed.detail["batches"] == DRAFTS
    assert completed.detail["counts"]["onboarding.Applicant"] == DRAFTS
    assert not any(records.exists_applicant(draft.pk) for draft in drafts)


@pytest.mark.django_db(transaction=True)
def test_run_skips_while_lock_held():
    limit = records.days("RETENTION_DRAFT_DAYS")
    draft = records.draft(limit + records.MARGIN)
    key = runner.lock_key("retention:abandoned_drafts")

    with psycopg.connect(database_url(), autocommit=True) as other_session:
        other_session.execute("SELECT pg_advisory_lock(%s)", [key])
        report = runner.rule_run(rule_name="abandoned_drafts")

    assert report.outcome == runner.SKIPPED
    assert records.exists_applicant(draft.pk)
    assert retention_entries("abandoned_drafts")[-1].detail == {
        "rule": "abandoned_drafts",
        "outcome": "skipped",
        "batches": 0,
        "counts": {},
    }


@pytest.mark.django_db(transaction=True)
def test_lock_released_after_run():
    runner.rule_run(rule_name="expired_sessions")

    report = runner.rule_run(rule_name="expired_sessions")

    assert report.outcome == runner.COMPLETED
