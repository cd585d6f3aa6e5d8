"""Feed the anomaly rules from signals, so no other app imports detection.

Django's auth signals report sign-ins, the access log's post_save reports
every staff view and reveal, and onboarding.signals reports sign-ups and
wizard steps. A failing rule must not break the request it observes, so
each receiver logs the error and returns.
"""

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ParamSpec

from django.db import transaction
from django.http import HttpRequest

from audit.models import AccessEvent, SecurityEvent
from detection import alerts
from detection.rules.enumeration import EmailEnumeration
from detection.rules.honeytokens import HoneytokenAccess
from detection.rules.misplaced_pii import MisplacedPii
from detection.rules.new_address import RevealAfterNewAddress
from detection.rules.staff_volume import StaffAccessVolume
from detection.rules.validation_failures import ValidationFailureStreak

logger = logging.getLogger(__name__)

Params = ParamSpec("Params")


def fail_open(receiver: Callable[Params, None]) -> Callable[Params, None]:
    """Log an exception of ``receiver`` instead of raising it.

    The rule runs in a savepoint, so a database error inside it does not
    break the transaction of the request that it observes.
    """

    @functools.wraps(receiver)
    def guarded(*args: Params.args, **kwargs: Params.kwargs) -> None:
        try:
            with transaction.atomic():
                receiver(*args, **kwargs)
        except Exception as error:
            # The exception text may echo input, so only its type is logged,
            # without the traceback that would repeat the text.
            logger.error(
                "Detection receiver %s failed with %s",
                receiver.__name__,
                type(error).__name__,
            )

    return guarded


@fail_open
def sign_in_failed(
    sender: Any,
    credentials: Mapping[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    EmailEnumeration.observe(
        request=request, email=str(credentials.get("username") or "")
    )


@fail_open
def signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    RevealAfterNewAddress.observe_sign_in(request=request, user=user)


@fail_open
def sign_up_submitted(
    sender: Any, request: HttpRequest, email: str, **kwargs: Any
) -> None:
    EmailEnumeration.observe(request=request, email=email)


@fail_open
def form_rejected(
    sender: Any,
    request: HttpRequest,
    form: str,
    field_names: Iterable[str],
    **kwargs: Any,
) -> None:
    ValidationFailureStreak.observe_failure(
        request=request, form=form, field_names=field_names
    )


@fail_open
def form_accepted(sender: Any, request: HttpRequest, form: str, **kwargs: Any) -> None:
    ValidationFailureStreak.observe_success(request=request)


@fail_open
def form_posted(
    sender: Any,
    request: HttpRequest,
    form: str,
    values: Mapping[str, str],
    **kwargs: Any,
) -> None:
    MisplacedPii.observe(request=request, form=form, values=values)


def access_event_saved(
    sender: Any, instance: AccessEvent, created: bool, **kwargs: Any
) -> None:
    # Every rule here concerns one applicant's record. Entries without one,
    # such as sign-ins, return before the savepoint, so they cost nothing.
    if created and instance.applicant_reference:
        _record_access_observe(instance)


@fail_open
def _record_access_observe(access_event: AccessEvent) -> None:
    HoneytokenAccess.observe(access_event)
    StaffAccessVolume.observe(access_event)
    RevealAfterNewAddress.observe(access_event)


def security_event_creating(
    sender: Any, instance: SecurityEvent, **kwargs: Any
) -> None:
    if instance._state.adding and alerts.alert_needed(instance):
        instance.alert_state = SecurityEvent.AlertState.PENDING


def security_event_saved(
    sender: Any, instance: SecurityEvent, created: bool, **kwargs: Any
) -> None:
    if created and instance.alert_state == SecurityEvent.AlertState.PENDING:
        alerts.alert_schedule(instance)
