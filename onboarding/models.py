"""The applicant side: accounts, applications, drafts and e-mail links.

No model here has a plaintext column for personal data. Values are stored
with the vault's encrypted fields, and the few that must be searched or kept
unique have a blind index beside them.
"""

import uuid
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vault import blind_index, fields, masking, tokens


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        # Django's login and createsuperuser pass the typed email address.
        candidates = blind_index.email_index_candidates(username or "")
        return self.get(email_index__in=candidates)

    def create_user(
        self, email: str, password: str | None = None, **extra_fields: object
    ) -> "User":
        user = self.model(email=email.strip(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: object
    ) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account, for an applicant or a staff member, identified by email.

    The address is stored encrypted. ``email_index`` is its blind index,
    which carries the unique constraint and serves login lookups.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = fields.EncryptedEmailField(_("email address"))
    email_index = models.CharField(
        max_length=blind_index.INDEX_LENGTH, unique=True, editable=False
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_synthetic = models.BooleanField(
        default=False, help_text=_("Made by seed_demo; holds no real person's data.")
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return f"user {self.id}"

    def get_short_name(self) -> str:
        # Django's admin greets staff with this name in every page header,
        # so it shows the masked address rather than the address itself.
        return masking.mask_email(self.email)

    def save(self, *args: object, **kwargs: object) -> None:
        self.email_index = blind_index.email_index(self.email)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None


def new_applicant_reference() -> str:
    return tokens.new_public_reference("APL")


class Applicant(models.Model):
    """One person's application, referenced everywhere by ``reference``.

    Every encrypted column is nullable, because erasure sets them to NULL:
    the vault's fields encrypt an empty string like any other value, so only
    NULL leaves no ciphertext behind. An erased row keeps its reference,
    dates and outcome as a tombstone, so audit entries still resolve, and
    its ``user`` is NULL.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ERASED = "erased", _("Erased")

    class Outcome(models.TextChoices):
        VERIFIED = "verified", _("Identity verified")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")

    reference = models.CharField(
        primary_key=True,
        max_length=20,
        default=new_applicant_reference,
        editable=False,
    )
    # Deleting a user still deletes their application. Erasure keeps the
    # row by setting this to NULL before it deletes the user.
    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="applicant",
        null=True,
        blank=True,
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )

    legal_name = fields.EncryptedCharField(
        _("legal name"), max_length=200, null=True, blank=True
    )
    date_of_birth = fields.EncryptedDateField(_("date of birth"), null=True, blank=True)

    phone = fields.EncryptedCharField(
        _("phone number"), max_length=32, null=True, blank=True
    )
    phone_index = models.CharField(
        max_length=blind_index.INDEX_LENGTH, blank=True, db_index=True, editable=False
    )
    address_line1 = fields.EncryptedCharField(
        _("address line 1"), max_length=200, null=True, blank=True
    )
    address_line2 = fields.EncryptedCharField(
        _("address line 2"), max_length=200, null=True, blank=True
    )
    postal_code = fields.EncryptedCharField(
        _("postal code"), max_length=20, null=True, blank=True
    )
    city = fields.EncryptedCharField(_("city"), max_length=100, null=True, blank=True)
    address_country = fields.EncryptedCharField(
        _("country"), max_length=2, null=True, blank=True
    )

    national_id_country = models.CharField(max_length=2, blank=True)
    national_id = fields.EncryptedCharField(
        _("national ID number"), max_length=40, null=True, blank=True
    )
    national_id_index = models.CharField(
        max_length=blind_index.INDEX_LENGTH, blank=True, db_index=True, editable=False
    )
    # What minimization keeps of the number once verification is over.
    national_id_last4 = fields.EncryptedCharField(
        _("last four characters of the national ID number"),
        max_length=4,
        null=True,
        blank=True,
    )

    consented_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    verification_outcome = models.CharField(
        max_length=16, choices=Outcome.choices, blank=True
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # The time of a rejection or withdrawal, from which erasure counts.
    closed_at = models.DateTimeField(null=True, blank=True)
    minimized_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    # A legal hold pauses every retention rule for this applicant.
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = fields.EncryptedTextField(null=True, blank=True)
    legal_hold_set_at = models.DateTimeField(null=True, blank=True)
    legal_hold_set_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    is_synthetic = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        # The staff list orders by creation, newest first, with the primary
        # key as tie-breaker; without this index each page sorts the table.
        indexes = [
            models.Index(
                fields=["-created_at", "-reference"], name="applicant_newest_first"
            )
        ]
        # The PII inventory names one of these for each field; a staff
        # member needs it to see that field's value in full.
        permissions = [
            ("reveal_identity", "Can reveal name and date of birth"),
            ("reveal_contact", "Can reveal email, phone and address"),
            ("reveal_national_id", "Can reveal the national ID number"),
            ("decide_applicant", "Can approve or reject an application"),
            ("export_applicant", "Can export applicant lists, masked"),
            ("resend_verification", "Can resend an email verification link"),
            ("set_legal_hold", "Can set or lift a legal hold"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class WizardDraft(models.Model):
    """The wizard's unfinished step data for one applicant, encrypted.

    The wizard keeps its state here instead of in the session, so step data
    never reaches django_session or a cookie, and an applicant who signs out
    resumes where they left off. The row is deleted when the application is
    submitted.
    """

    applicant = models.OneToOneField(
        Applicant, on_delete=models.CASCADE, related_name="draft"
    )
    state = fields.EncryptedTextField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"draft of {self.applicant_id}"


class EmailVerification(models.Model):
    """A single-use, expiring link that confirms a user owns an address.

    Only the keyed digest of the token is stored; the token itself exists
    in the e-mail alone. Each sign-up keeps the hash of the password it
    chose here, and the account gets that password only when the link is
    confirmed with it. Someone who signs up first with another person's
    address therefore never sets the password that person will use.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="email_verifications"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    # Empty for links sent without a sign-up, such as a staff resend; those
    # confirm the address but leave the password as it is.
    password_hash = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"email verification {self.pk}"

    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class RevealRequest(models.Model):
    """A request to reveal a field that needs a second staff member's approval.

    The requester may reveal the field once, within the approval window,
    after a different staff member with the same permission approved it.
    """

    applicant = models.ForeignKey(
        Applicant, on_delete=models.CASCADE, related_name="reveal_requests"
    )
    field = models.CharField(max_length=64)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = fields.EncryptedTextField()
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"reveal request {self.pk} for {self.applicant_id}.{self.field}"


class StagingCopyMarker(models.Model):
    """The record that anonymize_database turned this database into a staging copy.

    The table holds at most one row. A production database never has it,
    because the command refuses to run in production, so a restored
    production dump arrives without it, and the staging check refuses to
    serve that dump until the command has run.
    """

    # A constant primary key makes the table hold one row at most.
    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID)
    run_id = models.UUIDField()
    anonymized_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="staging_copy_marker_singleton"
            )
        ]

    def __str__(self) -> str:
        return f"staging copy anonymized by run {self.run_id}"
