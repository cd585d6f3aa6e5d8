"""The call log of the integrations: who was asked what, by field name only."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundCall(models.Model):
    """One attempt to send an applicant's data to an outside service.

    The row names the fields, never their values, so it shows what left the
    process without becoming another copy of it.
    """

    class Status(models.TextChoices):
        ANSWERED = "answered", _("Answered with an outcome")
        REFUSED = "refused", _("Refused by the outbound gate; nothing was sent")
        REJECTED = "rejected", _("Rejected by the provider")
        FAILED = "failed", _("No usable answer")

    integration = models.CharField(max_length=64)
    applicant_reference = models.CharField(max_length=20, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    # The names of the fields sent, or of those the gate found wrong.
    field_names = models.JSONField(default=list)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.integration} call {self.pk} for {self.applicant_reference}"
