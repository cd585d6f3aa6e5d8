"""Refuse to serve a staging environment from a database that contains real data.

A staging database starts as a restored production copy. Until
anonymize_database has run on it, it contains every applicant's real
values, readable with the production keys. Two guards keep staging from
serving it:

- the system check ``onboarding.E001``, a deployment check that reads the
  database, so ``manage.py check --deploy --database default`` fails;
- StagingCopyGuardMiddleware, which answers every request with 503 until
  the database carries the StagingCopyMarker, because gunicorn runs no
  system checks.
"""

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse

from onboarding.models import StagingCopyMarker

logger = logging.getLogger(__name__)

STAGING = "staging"
PRODUCTION = "production"

NOT_ANONYMIZED = (
    "DJANGO_ENVIRONMENT is staging but this database was never anonymized, so "
    "it may hold real personal data."
)
NOT_ANONYMIZED_HINT = (
    "Run manage.py anonymize_database on this database before serving it "
    "(docs/anonymization.md)."
)
UNAVAILABLE = "This staging site is unavailable: its database is not anonymized.\n"


def is_staging() -> bool:
    return settings.DEPLOYMENT_ENVIRONMENT == STAGING


def is_production() -> bool:
    return settings.DEPLOYMENT_ENVIRONMENT == PRODUCTION


def database_anonymized() -> bool:
    """Return whether anonymize_database has finished on this database.

    A dump from before the marker's migration has no table for it, which
    counts as not anonymized.
    """
    try:
        # A savepoint, so a missing table does not spoil a caller's
        # transaction.
        with transaction.atomic():
            return StagingCopyMarker.objects.exists()
    except DatabaseError:
        return False


def check_staging_copy(
    app_configs: Iterable[Any] | None = None,
    databases: Iterable[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """Report a staging environment whose database was not anonymized."""
    if not is_staging() or not databases or "default" not in databases:
        return []
    if database_anonymized():
        return []
    return [
        checks.Error(NOT_ANONYMIZED, hint=NOT_ANONYMIZED_HINT, id="onboarding.E001")
    ]


class StagingCopyGuardMiddleware:
    """Return 503 for every request while a staging database is not anonymized.

    Outside staging Django drops the middleware at start-up. Once the
    marker is seen, the process stops asking the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not is_staging():
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.anonymized = False
        self.refusal_logged = False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.anonymized:
            self.anonymized = database_anonymized()
        if not self.anonymized:
            # Once per process, because every request until the fix repeats it.
            if not self.refusal_logged:
                logger.error(
                    "Refusing requests: the staging database is not anonymized"
                )
                self.refusal_logged = True
            return HttpResponse(UNAVAILABLE, status=503, content_type="text/plain")
        return self.get_response(request)
