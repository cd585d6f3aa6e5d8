"""A staff member who signs in from a new address and then reveals a value."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AccessEvent, SecurityEvent
from detection import counters
from detection.models import StaffSignInAddress
from detection.rules.base import Rule
from detection.rules.sources import staff_source


class RevealAfterNewAddress(Rule):
    """A reveal within a time window after a sign-in from an unseen address.

    A stolen password and second factor are usually used from somewhere the
    staff member has never signed in from. A staff member's first address
    is not new: there is nothing to compare it with.
    """

    name = "reveal after sign-in from a new address"
    severity = SecurityEvent.Severity.HIGH
    window_setting = "DETECTION_NEW_ADDRESS_REVEAL_SECONDS"

    @classmethod
    def observe_sign_in(cls, *, request: HttpRequest, user: AbstractBaseUser) -> None:
        """Remember the address; mark the staff member when it is a new one."""
        address = counters.client_index(request)
        if address is None or not getattr(user, "is_staff", False):
            return
        known_before = StaffSignInAddress.objects.filter(user_id=user.pk).exists()
        row, created = StaffSignInAddress.objects.get_or_create(
            user_id=user.pk, address_index=address
        )
        if not created:
            row.last_seen_at = timezone.now()
            row.save(update_fields=["last_seen_at"])
        elif known_before:
            cache.set(
                _marker_key(user.pk), row.pk, timeout=cls.window_seconds() or None
            )

    @classmethod
    def observe(cls, access_event: AccessEvent) -> None:
        if (
            access_event.action != AccessEvent.Action.REVEAL
            or not access_event.actor_id
        ):
            return
        marker = _marker_key(access_event.actor_id)
        address_row = cache.get(marker)
        if address_row is None:
            return
        # One event per new address: later reveals from it are already
        # under review through this one.
        cache.delete(marker)
        cls.record(
            incident=(access_event.actor_id, address_row),
            detail={
                "window_seconds": cls.window_seconds(),
                "outcome": access_event.outcome,
                "field": access_event.field,
            },
            references=[access_event.applicant_reference],
            source=staff_source(access_event.actor_id),
        )


def _marker_key(user_id: object) -> str:
    return counters.counter_key("new-address", user_id)
