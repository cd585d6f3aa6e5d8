"""The access log: who did what to which applicant's record, and why.

Rows name the applicant by public reference and the client by a truncated
network address, never by a personal value. A reveal's written reason is
free text, so it is stored encrypted.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vault import fields


class AccessEvent(models.Model):
    """One staff action on applicant data, allowed or refused."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed a record")
        SEARCH = "search", _("Searched")
        REVEAL = "reveal", _("Revealed a field")
        REVEAL_REQUEST = "reveal_request", _("Asked to reveal a field")
        REVEAL_APPROVAL = "reveal_approval", _("Approved a reveal")
        DECISION = "decision", _("Approved or rejected an application")
        EXPORT = "export", _("Exported records")
        RESEND_VERIFICATION = "resend_verification", _("Resent a verification link")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        DENIED = "denied", _("Denied")

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.ALLOWED
    )
    applicant_reference = models.CharField(max_length=20, blank=True, db_index=True)
    field = models.CharField(max_length=64, blank=True)
    reason = fields.EncryptedTextField(blank=True)
    client_network = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("The client's IPv4 /24 or IPv6 /48 network, never its address."),
    )
    # Counts and names only, such as {"kind": "email"} for a search or
    # {"rule": "rate limit"} for a refusal; never a searched or revealed value.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["actor", "action", "occurred_at"])]

    def __str__(self) -> str:
        reference = self.applicant_reference or "-"
        return f"{self.action} {reference} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"
