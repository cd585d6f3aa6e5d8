"""Periodic audit tasks. Celery beat runs them on CELERY_BEAT_SCHEDULE."""

from celery import shared_task

from audit.services import audit_trail_check


@shared_task
def audit_trail_verify() -> int:
    """Verify both audit chains; return the number of broken ones.

    A broken chain is not a reason to retry: the service has recorded a
    security event for it, and the next run checks again.
    """
    return sum(not report.intact for report in audit_trail_check())
