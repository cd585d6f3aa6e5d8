"""The audit trail's tables: the access log, the change history, the chain
heads and retention checkpoints that keep them verifiable, and security
events.

Rows name applicants by public reference, users by their UUID and clients by
a truncated network address, never by a personal value. AccessEvent and
ChangeEntry rows are append-only: a PostgreSQL trigger rejects updates and
deletes, and each row carries a link of its table's hash chain
(audit.chain).
"""

from typing import Any, ClassVar

import pgtrigger
from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.chain import CHAIN_HASH_LENGTH, append_entry
from audit.changes import ChangeEntryManager
from audit.exceptions import AppendOnlyError
from audit.querysets import AppendOnlyQuerySet
from vault import fields

CLIENT_NETWORK_HELP = _("The client's IPv4 /24 or IPv6 /48 network, never its address.")


class ChainedEntry(models.Model):
    """An append-only row linked into its table's hash chain.

    Subclasses name their chain and list, in CHAINED_FIELDS, every column
    that the link covers: all of them except ``chain_hash`` itself.
    """

    CHAIN: ClassVar[str]
    CHAINED_FIELDS: ClassVar[tuple[str, ...]]
    # The time of the event, which retention compares with its cut-off.
    TIMESTAMP_FIELD: ClassVar[str]

    chain_hash = models.CharField(max_length=CHAIN_HASH_LENGTH, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert the entry as the next link of its chain.

        Raises AppendOnlyError for an entry that is already stored.
        """
        if not self._state.adding:
            raise AppendOnlyError
        # The chain assigns the id, so Django must not try an UPDATE first.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def _do_insert(
        self,
        manager: Any,
        using: str,
        fields: Any,
        returning_fields: Any,
        raw: bool,
    ) -> list[Any]:
        # Model.save calls this for the INSERT itself, after pre_save and
        # before post_save, so signal receivers see a chained entry like any
        # other. Django leaves the id out of ``fields`` because it was unset
        # when save began; the chain sets it, and the INSERT must carry it.
        if self._meta.pk not in fields:
            fields = [self._meta.pk, *fields]
        append_entry(self, fields, using)
        return []

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError

    def chained_values(self) -> dict[str, Any]:
        """Return the values that this entry's link covers, by column.

        Each value passes through its field's to_python(), so it has the
        type that reading the row back returns: django-auditlog, for
        example, sets the text column ``object_pk`` to an integer.
        """
        fields = {field.attname: field for field in self._meta.concrete_fields}
        return {
            name: fields[name].to_python(getattr(self, name))
            for name in self.CHAINED_FIELDS
        }


# Rejects every UPDATE and DELETE of a row. Only the purge command turns it
# off, and only for its own transaction (docs/audit.md).
APPEND_ONLY = pgtrigger.Protect(
    name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
)


class AccessEvent(ChainedEntry):
    """One staff action on applicant data, or one sign-in event."""

    CHAIN = "access_events"
    TIMESTAMP_FIELD = "occurred_at"
    CHAINED_FIELDS = (
        "id",
        "occurred_at",
        "actor_id",
        "action",
        "outcome",
        "applicant_reference",
        "field",
        "reason",
        "client_network",
        "detail",
        "request_id",
    )

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed a record")
        SEARCH = "search", _("Searched")
        REVEAL = "reveal", _("Revealed a field")
        REVEAL_REQUEST = "reveal_request", _("Asked to reveal a field")
        REVEAL_APPROVAL = "reveal_approval", _("Approved a reveal")
        DECISION = "decision", _("Approved or rejected an application")
        EXPORT = "export", _("Exported records")
        RESEND_VERIFICATION = "resend_verification", _("Resent a verification link")
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed to sign in")
        LOCKOUT = "lockout", _("Locked out after failed sign-ins")
        OTP_ENROLLED = "otp_enrolled", _("Added an authenticator app")
        PASSWORD_CHANGED = "password_changed", _("Changed a password")
        AUDIT_PURGE = "audit_purge", _("Purged old audit entries")
        OTP_FAILED = "otp_failed", _("Entered a wrong second-factor code")
        REASON_READ = "reason_read", _("Read the reason of an access")
        RETENTION_RUN = "retention_run", _("Ran the retention rules")
        LEGAL_HOLD_SET = "legal_hold_set", _("Placed a legal hold")
        LEGAL_HOLD_LIFTED = "legal_hold_lifted", _("Lifted a legal hold")
        SECURITY_EVENT_ACKNOWLEDGE = (
            "security_event_acknowledge",
            _("Acknowledged security events"),
        )
        REVEAL_RIGHT_RESTORE = "reveal_right_restore", _("Restored a reveal right")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        DENIED = "denied", _("Denied")

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Empty for a failed sign-in by an unknown account and for commands.
    # No database constraint: the entry keeps the id of an account that is
    # later deleted, and a row of this table can never be updated anyway.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.ALLOWED
    )
    applicant_reference = models.CharField(max_length=20, blank=True, db_index=True)
    field = models.CharField(max_length=64, blank=True)
    # Free text, so encrypted. The chain covers the plaintext, which lets
    # key rotation re-encrypt it: the trigger allows changes of this column
    # alone, and any other change to it breaks the chain.
    reason = fields.EncryptedTextField(blank=True)
    client_network = models.CharField(
        max_length=64, blank=True, help_text=CLIENT_NETWORK_HELP
    )
    # Counts and names only, such as {"kind": "email"} for a search or
    # {"rule": "rate limit"} for a refusal; never a searched or revealed value.
    detail = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(
        max_length=36,
        blank=True,
        db_index=True,
        help_text=_("The correlation id of the request, as in X-Request-ID."),
    )

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["actor", "action", "occurred_at"])]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="append_only_except_reason",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(exclude=["reason"]),
            ),
        ]

    def __str__(self) -> str:
        reference = self.applicant_reference or "-"
        return f"{self.action} {reference} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class ChangeEntry(ChainedEntry, AbstractLogEntry):
    """One change to a model that stores personal data, by django-auditlog.

    ``changes`` names the changed fields. Values are kept only where they
    cannot contain personal data (audit.changes explains the rule), and
    ``object_repr`` is the object's public reference. The columns that
    django-auditlog fills with the actor's e-mail address, the client's
    address or a copy of the object stay empty, and a check constraint
    makes sure of it.
    """

    CHAIN = "change_entries"
    TIMESTAMP_FIELD = "timestamp"
    CHAINED_FIELDS = (
        "id",
        "timestamp",
        "content_type_id",
        "object_pk",
        "object_id",
        "object_repr",
        "action",
        "changes",
        "changes_text",
        "actor_id",
        "cid",
        "client_network",
        "serialized_data",
        "additional_data",
        "actor_email",
        "remote_addr",
        "remote_port",
    )

    # As on AccessEvent: the entry outlives the account of its actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("content type"),
    )
    client_network = models.CharField(
        max_length=64, blank=True, help_text=CLIENT_NETWORK_HELP
    )

    objects = ChangeEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("change entry")
        verbose_name_plural = _("change entries")
        ordering = ["-timestamp", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    actor_email__isnull=True,
                    remote_addr__isnull=True,
                    remote_port__isnull=True,
                    serialized_data__isnull=True,
                    additional_data__isnull=True,
                ),
                name="change_entry_copies_no_personal_data",
            ),
        ]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # django-auditlog fills these from the request and the object. They
        # would hold the actor's e-mail address, the client's full address
        # and a copy of every field, so they are cleared before linking.
        self.actor_email = None
        self.remote_addr = None
        self.remote_port = None
        self.serialized_data = None
        self.additional_data = None
        super().save(*args, **kwargs)


class ChainHead(models.Model):
    """The id and link of one chain's newest entry, moved on by every writer.

    Verification compares it with the newest row, which shows entries
    deleted from the end of the chain.
    """

    chain = models.CharField(primary_key=True, max_length=32)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=CHAIN_HASH_LENGTH, blank=True, default="")

    def __str__(self) -> str:
        return f"head of {self.chain} at {self.last_id}"


class ChainCheckpoint(models.Model):
    """A signed record of where a chain continues after a retention purge.

    Verification starts from the newest checkpoint of each chain: the first
    remaining entry must follow ``last_id`` and link to ``last_hash``.
    """

    chain = models.CharField(max_length=32)
    last_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=CHAIN_HASH_LENGTH)
    purged_rows = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    signature = models.CharField(max_length=CHAIN_HASH_LENGTH, editable=False)

    class Meta:
        ordering = ["chain", "-last_id"]
        triggers = [APPEND_ONLY]

    def __str__(self) -> str:
        return f"checkpoint of {self.chain} at {self.last_id}"

    def signed_values(self) -> dict[str, Any]:
        """Return the fields that the signature covers."""
        return {
            "chain": self.chain,
            "last_id": self.last_id,
            "last_hash": self.last_hash,
            "purged_rows": self.purged_rows,
            "created_at": self.created_at,
        }


class SecurityEvent(models.Model):
    """Something a security analyst must look at, such as a broken chain.

    ``detail`` contains ids, names and counts only, and ``references`` public
    applicant references, never a personal value. Events with the same
    ``dedupe_key`` describe the same incident, so only the first of them
    within SECURITY_ALERT_DEDUPE_SECONDS sends an alert.
    """

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    class AlertState(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Below the alert severity")
        PENDING = "pending", _("Waiting for delivery")
        SENDING = "sending", _("Being delivered")
        SENT = "sent", _("Sent")
        DUPLICATE = "duplicate", _("Not sent: a duplicate")
        RATE_LIMITED = "rate_limited", _("Not sent: over the hourly limit")
        FAILED = "failed", _("Failed after retries")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    rule = models.CharField(max_length=64, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    references = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Public references of the applicants concerned."),
    )
    count = models.PositiveIntegerField(
        default=1, help_text=_("How many occurrences the rule counted.")
    )
    source = models.CharField(
        max_length=80,
        blank=True,
        db_index=True,
        help_text=_(
            "Where it came from: a client network, a staff member's user id "
            "or a task, never an address."
        ),
    )
    dedupe_key = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    # As on AccessEvent: the event outlives the account that acknowledged it.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    alert_state = models.CharField(
        max_length=16, choices=AlertState.choices, default=AlertState.NOT_NEEDED
    )
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("acknowledge_securityevent", "Can acknowledge security events"),
        ]

    def __str__(self) -> str:
        return f"{self.severity} {self.rule} at {self.created_at:%Y-%m-%d %H:%M:%S}"


# Severities in increasing order, for comparisons such as "high or worse".
SEVERITY_RANK = {
    SecurityEvent.Severity.WARNING: 1,
    SecurityEvent.Severity.HIGH: 2,
    SecurityEvent.Severity.CRITICAL: 3,
}


class RevealSuspension(models.Model):
    """A staff member's reveal right, withdrawn until a security officer
    restores it.

    A detection rule creates it; the reveal checks in the staff portal
    refuse every reveal of a user with an unrestored suspension.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    security_event = models.ForeignKey(
        SecurityEvent, on_delete=models.PROTECT, null=True, blank=True
    )
    suspended_at = models.DateTimeField(default=timezone.now)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-suspended_at", "-id"]
        permissions = [("restore_reveal_right", "Can restore a suspended reveal right")]
        constraints = [
            # One open suspension per person, so two rules that fire at once
            # cannot leave a second one behind after a restore.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(restored_at__isnull=True),
                name="one_open_reveal_suspension_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"reveal suspension {self.pk} of {self.user}"


CHAINED_MODELS: tuple[type[ChainedEntry], ...] = (AccessEvent, ChangeEntry)
