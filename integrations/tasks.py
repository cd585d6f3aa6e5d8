"""Celery tasks of the integrations. Each takes public references, never values."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from integrations.exceptions import ProviderUnavailableError
from integrations.identity_verification.services import applicant_identity_verify


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ProviderUnavailableError, OperationalError, InterfaceError),
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
)
def identity_verify(applicant_reference: str) -> None:
    """Check the identity of the submitted applicant ``applicant_reference``.

    A timeout, a lost connection or an HTTP 429 or 5xx response retries the
    task up to five times with exponential backoff. A refused payload or a
    4xx response does not retry, because it would fail the same way. Staff
    then decide the application by hand.
    """
    applicant_identity_verify(reference=applicant_reference)
