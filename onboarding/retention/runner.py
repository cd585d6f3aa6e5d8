"""Run one retention rule: under a lock, in batches, with one audit entry.

A run holds a PostgreSQL advisory lock named after its rule for as long as
it works, on the database session of the process that runs it. A second
run of the same rule, from another worker, a second beat scheduler or
``manage.py run_retention``, finds the lock taken, changes nothing and
records that it was skipped. The lock goes with the session, so a worker
that dies releases it.

Each batch is one transaction, so a failed run keeps the batches it
finished, and the next run, which finds only what is left, completes it.
"""

import datetime
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AccessEvent
from audit.services import access_event_record
from onboarding.retention.exceptions import UnknownRuleError
from onboarding.retention.rules import RULES, RetentionRule, RunContext
from onboarding.retention.sessions import SessionIndex

logger = logging.getLogger(__name__)

# The access-log action of a retention run. Its entry has no actor, because
# the system acts, and its detail contains the rule, the outcome and counts.
RETENTION_RUN = AccessEvent.Action.RETENTION_RUN
COMPLETED = "completed"
SKIPPED = "skipped"
FAILED = "failed"


@dataclass
class RunReport:
    """The outcome of one run of a rule and the rows it changed."""

    rule: str
    outcome: str
    counts: Counter[str] = field(default_factory=Counter)
    batches: int = 0

    def detail(self) -> dict[str, Any]:
        """Return the access-log detail of the run: names and counts only."""
        return {
            "rule": self.rule,
            "outcome": self.outcome,
            "batches": self.batches,
            "counts": dict(sorted(self.counts.items())),
        }


def rule_get(name: str) -> RetentionRule:
    """Return the rule called ``name``, or raise UnknownRuleError."""
    try:
        return RULES[name]
    except KeyError:
        raise UnknownRuleError(name, sorted(RULES)) from None


def rule_run(
    *,
    rule_name: str,
    now: datetime.datetime | None = None,
    batch_size: int | None = None,
) -> RunReport:
    """Run one rule to the end unless another run holds its lock.

    Writes one access-log entry for the run: completed, skipped, or failed
    with the counts of the batches committed before the error. The error
    then propagates, so that the caller (a Celery task) can retry.
    """
    rule = rule_get(rule_name)
    now = now or timezone.now()
    size = batch_size or settings.RETENTION_BATCH_SIZE
    with advisory_lock(f"retention:{rule.name}") as acquired:
        if not acquired:
            logger.info(
                "Retention rule %s skipped: another run holds its lock", rule.name
            )
            report = RunReport(rule=rule.name, outcome=SKIPPED)
        else:
            report = RunReport(rule=rule.name, outcome=COMPLETED)
            try:
                _run_batches(rule, report, now=now, batch_size=size)
            except Exception:
                report.outcome = FAILED
                _record_failure(report)
                raise
        _record(report)
    return report


def _run_batches(
    rule: RetentionRule,
    report: RunReport,
    *,
    now: datetime.datetime,
    batch_size: int,
) -> None:
    run = RunContext(now=now, sessions=SessionIndex(now))
    pause = settings.RETENTION_BATCH_PAUSE_SECONDS
    logger.info("Retention rule %s started", rule.name)
    last_key = None
    # Ends when no candidate is left after last_key. Every batch moves
    # last_key forward, so the loop ends even when rows stay in place.
    while keys := rule.next_batch(now, after=last_key, size=batch_size):
        with transaction.atomic():
            report.counts.update(rule.apply(keys, run))
        report.batches += 1
        last_key = keys[-1]
        logger.debug("Retention rule %s: batch %s done", rule.name, report.batches)
        if pause:
            time.sleep(pause)
    logger.info(
        "Retention rule %s finished: %s batches, %s",
        rule.name,
        report.batches,
        dict(report.counts),
    )


def _record(report: RunReport) -> None:
    access_event_record(actor=None, action=RETENTION_RUN, detail=report.detail())


def _record_failure(report: RunReport) -> None:
    # The error's text may quote values from the failed statement, so only
    # the rule and the counts are logged; the task logs its own retry.
    logger.error(
        "Retention rule %s failed after %s batches; committed before the error: %s",
        report.rule,
        report.batches,
        dict(report.counts),
    )
    try:
        _record(report)
    except DatabaseError:
        logger.error(
            "Retention rule %s: the failed run could not be recorded in the "
            "access log because the database is unavailable",
            report.rule,
        )


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """Try to take a session-level advisory lock; yield whether it was taken.

    The lock belongs to the database session, not to a transaction, so it
    lasts across the run's batches. It needs a direct connection to
    PostgreSQL: a pooler in transaction mode, such as PgBouncer's, can hand
    the session to another client.
    """
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            _advisory_unlock(key)


def _advisory_unlock(key: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    except DatabaseError:
        # A broken session has already lost its locks; closing it makes the
        # next query open a new one.
        connection.close()


def lock_key(name: str) -> int:
    """Return the 64-bit signed advisory-lock key for ``name``."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
