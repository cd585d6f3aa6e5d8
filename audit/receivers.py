"""Record sign-in events in the access log, from the libraries' signals.

The typed address of a failed sign-in or a lockout is never stored: the
entry names the attempted account by the blind index of that address,
which matches ``User.email_index`` when the account exists.
"""

from typing import Any

from django.contrib.auth.hashers import is_password_usable
from django.http import HttpRequest

from audit.context import current_request
from audit.models import AccessEvent
from audit.services import access_event_record
from vault import blind_index

# Attributes that the receivers below set on loaded instances, to notice
# the save that confirms a device or changes a password.
CONFIRMED_AT_LOAD = "_audit_confirmed_at_load"
HASH_AT_LOAD = "_audit_hash_at_load"


def sign_in_recorded(
    sender: Any, request: HttpRequest, user: Any, **kwargs: Any
) -> None:
    access_event_record(actor=user, action=AccessEvent.Action.SIGN_IN, request=request)


def sign_in_failure_recorded(
    sender: Any,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    access_event_record(
        actor=None,
        action=AccessEvent.Action.SIGN_IN_FAILED,
        outcome=AccessEvent.Outcome.DENIED,
        request=request,
        detail=_attempted_account(credentials.get("username")),
    )


def lockout_recorded(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """Record a lockout by django-axes.

    django-axes sends its signal when a client reaches the failure limit
    and again for each attempt during the cool-off, so each of those
    attempts gets an entry.
    """
    credentials = getattr(request, "axes_credentials", None) or {}
    typed = credentials.get("username") or request.POST.get("username")
    access_event_record(
        actor=None,
        action=AccessEvent.Action.LOCKOUT,
        outcome=AccessEvent.Outcome.DENIED,
        request=request,
        detail=_attempted_account(typed),
    )


def device_state_remembered(sender: Any, instance: Any, **kwargs: Any) -> None:
    setattr(instance, CONFIRMED_AT_LOAD, instance.__dict__.get("confirmed"))


def otp_enrolment_recorded(
    sender: Any, instance: Any, created: bool, **kwargs: Any
) -> None:
    """Record the save that confirms a TOTP device, and only that one.

    django-otp saves a device on every code check too, so a save counts only
    when the device was not confirmed when it was loaded or created.
    """
    was_confirmed = False if created else getattr(instance, CONFIRMED_AT_LOAD, None)
    setattr(instance, CONFIRMED_AT_LOAD, instance.confirmed)
    if instance.confirmed and was_confirmed is False:
        access_event_record(
            actor=instance.user,
            action=AccessEvent.Action.OTP_ENROLLED,
            detail={"device": "totp", "device_id": instance.pk},
        )


def password_remembered(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Read from __dict__, so a deferred column is not loaded for this.
    setattr(instance, HASH_AT_LOAD, instance.__dict__.get("password"))


def password_change_recorded(
    sender: Any, instance: Any, created: bool, **kwargs: Any
) -> None:
    """Record a save that changes the stored password hash of an account.

    Creating an account is not a change. Giving a password to an account
    that had no usable one, as confirming a sign-up may, is recorded with
    ``"first_password": true``. Django also rehashes a password at sign-in
    when the configured hasher changed, which is recorded too.
    """
    previous = getattr(instance, HASH_AT_LOAD, None)
    setattr(instance, HASH_AT_LOAD, instance.password)
    if created or previous is None or previous == instance.password:
        return
    request = current_request()
    signed_in_user = getattr(request, "user", None)
    if signed_in_user is None or not signed_in_user.is_authenticated:
        signed_in_user = None
    detail: dict[str, Any] = {"user": str(instance.pk)}
    if not is_password_usable(previous):
        detail["first_password"] = True
    access_event_record(
        actor=signed_in_user or instance,
        action=AccessEvent.Action.PASSWORD_CHANGED,
        detail=detail,
    )


def _attempted_account(typed_address: Any) -> dict[str, str]:
    if not typed_address:
        return {}
    return {"account_index": blind_index.email_index(str(typed_address))}
