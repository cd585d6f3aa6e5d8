"""Detection state kept in the database: decoys, known sign-in addresses and
alert deliveries.

No row holds a personal value: decoys are named by public reference and
sign-in addresses by their blind index.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vault import blind_index


class Honeytoken(models.Model):
    """A decoy applicant that no legitimate task ever opens.

    The decoy is an ordinary Applicant row. This table is the only place that
    tells it apart, and the staff portal does not show it.
    """

    applicant_reference = models.CharField(max_length=20, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"decoy {self.pk}"


class StaffSignInAddress(models.Model):
    """A client address that a staff member signed in from, as a blind index."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    address_index = models.CharField(max_length=blind_index.INDEX_LENGTH)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "address_index"], name="one_row_per_staff_address"
            )
        ]

    def __str__(self) -> str:
        return f"sign-in address {self.pk} of {self.user_id}"


class AlertDelivery(models.Model):
    """One channel's delivery of one security event's alert.

    A retried delivery skips the channels that already have a row, so a
    failing webhook does not send the e-mail twice.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    security_event = models.ForeignKey(
        "audit.SecurityEvent", on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["security_event", "channel"], name="one_delivery_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} alert for security event {self.security_event_id}"
