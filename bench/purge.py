"""Benchmark the abandoned-drafts purge against a batched SQL DELETE.

For each size N, in one run against a dedicated database:
1. fills N expired drafts (an account, an application in draft and a wizard
   draft each) and times a loop of plain SQL statements that delete the
   same rows, RETENTION_BATCH_SIZE applications per statement;
2. fills the same N drafts again, starts ``celery -A config worker`` as a
   separate process, publishes ``retention_run("abandoned_drafts")`` and
   times it from publishing until the run's access-log entry appears;
3. reads the worker's peak resident memory (VmHWM in /proc) after the run.

The worker is a fresh process for each size, so its peak covers one purge.
Redis on 127.0.0.1:6379 (database 12) is the broker.

Run: .venv/bin/python -m bench.purge --rows 100000 1000000
"""

import argparse
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.fernet import Fernet

from bench._database import PROJECT, bench_environment, recreate_database, setup_django

DATABASE = "bench_purge"
BROKER_URL = "redis://127.0.0.1:6379/12"
QUEUE = f"bench-purge-{os.getpid()}"
ENCRYPTION_KEY = Fernet.generate_key().decode()
FILL_CHUNK = 100_000
# Seconds to wait for the worker to start, and for one purge to finish.
START_TIMEOUT = 120
RUN_TIMEOUT = 3600
IDLE_SINCE = "2020-01-01 00:00:00+00"

SQL_DELETE_BATCH = """
WITH batch AS (
    SELECT reference, user_id FROM onboarding_applicant
    WHERE status = 'draft' AND updated_at < now() - interval '30 days'
    ORDER BY reference LIMIT %s
), drafts AS (
    DELETE FROM onboarding_wizarddraft
    WHERE applicant_id IN (SELECT reference FROM batch)
), applicants AS (
    DELETE FROM onboarding_applicant
    WHERE reference IN (SELECT reference FROM batch)
)
DELETE FROM onboarding_user WHERE id IN (SELECT user_id FROM batch)
"""


def fill_drafts(rows: int) -> None:
    """Insert ``rows`` accounts, each with an application in draft, idle since 2020."""
    from django.db import connection

    email = Fernet(ENCRYPTION_KEY).encrypt(b"bench@example.com").decode()
    state = Fernet(ENCRYPTION_KEY).encrypt(b'{"step": "identity"}').decode()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE onboarding_wizarddraft, onboarding_applicant, onboarding_user "
            "CASCADE"
        )
        for start in range(0, rows, FILL_CHUNK):
            numbers = range(start, min(start + FILL_CHUNK, rows))
            user_ids = [uuid.uuid4() for _ in numbers]
            _copy(
                cursor,
                "onboarding_user",
                USER_COLUMNS,
                _user_rows(numbers, user_ids, email),
            )
            _copy(
                cursor,
                "onboarding_applicant",
                APPLICANT_COLUMNS,
                _applicant_rows(numbers, user_ids),
            )
            _copy(
                cursor,
                "onboarding_wizarddraft",
                DRAFT_COLUMNS,
                _draft_rows(numbers, state),
            )
        cursor.execute("VACUUM ANALYZE onboarding_user")
        cursor.execute("VACUUM ANALYZE onboarding_applicant")
        cursor.execute("VACUUM ANALYZE onboarding_wizarddraft")


USER_COLUMNS = (
    "id, email, email_index, email_verified_at, is_staff, is_active, "
    "is_synthetic, is_superuser, date_joined, password, last_login"
)
APPLICANT_COLUMNS = (
    "reference, user_id, status, phone_index, national_id_country, "
    "national_id_index, verification_outcome, legal_hold, is_synthetic, "
    "created_at, updated_at"
)
DRAFT_COLUMNS = "applicant_id, state, updated_at"


def _user_rows(numbers: range, user_ids: list[uuid.UUID], email: str) -> str:
    return "".join(
        f"{user_id}\t{email}\tbench:{number:064d}\t{IDLE_SINCE}\tf\tt\tt\tf\t"
        f"{IDLE_SINCE}\t!\t{IDLE_SINCE}\n"
        for number, user_id in zip(numbers, user_ids, strict=True)
    )


def _applicant_rows(numbers: range, user_ids: list[uuid.UUID]) -> str:
    return "".join(
        f"APL-{number:016d}\t{user_id}\tdraft\t\t\t\t\tf\tt\t{IDLE_SINCE}\t{IDLE_SINCE}\n"
        for number, user_id in zip(numbers, user_ids, strict=True)
    )


def _draft_rows(numbers: range, state: str) -> str:
    return "".join(f"APL-{number:016d}\t{state}\t{IDLE_SINCE}\n" for number in numbers)


def _copy(cursor: object, table: str, columns: str, rows: str) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        copy.write(io.StringIO(rows).read())


def time_sql_delete(batch_size: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Bounded: each statement deletes up to batch_size drafts and the
        # loop stops at the first statement that finds none.
        while True:
            cursor.execute(SQL_DELETE_BATCH, [batch_size])
            if cursor.rowcount == 0:
                break
    return time.perf_counter() - started


def start_worker(environment: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        f"--queues={QUEUE}",
        f"--hostname={QUEUE}@localhost",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    output = log.open("w")
    return subprocess.Popen(
        command, cwd=PROJECT, env=environment, stdout=output, stderr=subprocess.STDOUT
    )


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    msg = f"Timed out after {timeout} s waiting for {what}."
    raise TimeoutError(msg)


def peak_memory_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    msg = f"/proc/{pid}/status has no VmHWM line."
    raise RuntimeError(msg)


def time_task(environment: dict[str, str]) -> tuple[float, int]:
    """Return the purge's wall time and the worker's peak memory in KiB."""
    from audit.models import AccessEvent
    from onboarding.tasks import retention_run

    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "worker.log"
        worker = start_worker(environment, log)
        try:
            wait_until(lambda: "ready." in log.read_text(), START_TIMEOUT, "the worker")
            before = AccessEvent.objects.count()
            started = time.perf_counter()
            retention_run.apply_async(args=["abandoned_drafts"], queue=QUEUE)
            wait_until(
                lambda: AccessEvent.objects.count() > before, RUN_TIMEOUT, "the purge"
            )
            elapsed = time.perf_counter() - started
            return elapsed, peak_memory_kib(worker.pid)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    arguments = parser.parse_args()

    environment = bench_environment(
        DATABASE,
        VAULT_ENCRYPTION_KEYS=ENCRYPTION_KEY,
        CELERY_BROKER_URL=BROKER_URL,
        LOG_LEVEL="WARNING",
    )
    recreate_database(DATABASE)
    setup_django(environment)
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    batch_size = settings.RETENTION_BATCH_SIZE

    print(f"Batch size {batch_size}.")
    print("| rows | SQL DELETE rows/s | task rows/s | ratio | worker peak MiB |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for rows in arguments.rows:
        fill_drafts(rows)
        sql_seconds = time_sql_delete(batch_size)
        fill_drafts(rows)
        task_seconds, peak_kib = time_task(environment)
        sql_rate = rows / sql_seconds
        task_rate = rows / task_seconds
        print(
            f"| {rows:,} | {sql_rate:,.0f} | {task_rate:,.0f} | "
            f"{task_rate / sql_rate:.2f} | {peak_kib / 1024:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
