"""Celery tasks of the onboarding app. Each takes names or ids, never values."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from onboarding.retention import runner


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
)
def retention_run(rule_name: str) -> None:
    """Run the retention rule ``rule_name``, as Celery beat schedules it hourly.

    A lost or failing database connection retries the task, up to five times
    with exponential backoff. The retry carries the rule name only, and
    starts over from what the failed run left, because every rule is
    idempotent.
    """
    runner.rule_run(rule_name=rule_name)
