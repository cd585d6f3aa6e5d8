"""The onboarding app's entries in the PII inventory.

Every model field here that holds personal data is declared once, with why
it is kept, for how long, how staff see it and who may reveal it. A new
field that is not declared fails the ``vault.E001`` system check.
"""

from vault import blind_index
from vault.inventory import BlindIndex, Category, MaskStyle, NotPii, PiiField, declare

USER = "onboarding.User"
APPLICANT = "onboarding.Applicant"

REVEAL_IDENTITY = "onboarding.reveal_identity"
REVEAL_CONTACT = "onboarding.reveal_contact"
REVEAL_NATIONAL_ID = "onboarding.reveal_national_id"

# The retention rules in onboarding/retention/ enforce these periods. Each
# RETENTION_* name is a setting in days.
UNTIL_ERASURE = (
    "until the application is erased: a draft RETENTION_DRAFT_DAYS after its "
    "last change, a rejected or withdrawn application RETENTION_CLOSED_DAYS "
    "after the decision"
)
ADDRESS_PURPOSE = "identity verification and correspondence"


def _address_field(field: str) -> PiiField:
    return PiiField(
        model=APPLICANT,
        field=field,
        category=Category.CONTACT,
        purpose=ADDRESS_PURPOSE,
        retention=UNTIL_ERASURE,
        mask=MaskStyle.HIDDEN,
        reveal_permission=REVEAL_CONTACT,
    )


declare(
    PiiField(
        model=USER,
        field="email",
        category=Category.CONTACT,
        purpose="sign-in and messages about the application",
        retention=(
            "until the account is deleted: RETENTION_UNVERIFIED_DAYS after the "
            "last confirmation link if never confirmed, otherwise with an "
            "abandoned draft or an erased application"
        ),
        mask=MaskStyle.EMAIL,
        reveal_permission=REVEAL_CONTACT,
        blind_index=BlindIndex(
            field="email_index",
            normalization="trimmed and lower-cased",
            compute=lambda user: blind_index.email_index(user.email),
        ),
    ),
    NotPii(USER, "email_verified_at", "the time an address was confirmed"),
    PiiField(
        model=APPLICANT,
        field="legal_name",
        category=Category.IDENTITY,
        purpose="identity verification",
        retention=UNTIL_ERASURE,
        mask=MaskStyle.INITIALS,
        reveal_permission=REVEAL_IDENTITY,
    ),
    PiiField(
        model=APPLICANT,
        field="date_of_birth",
        category=Category.IDENTITY,
        purpose="identity verification and the minimum age rule",
        retention=UNTIL_ERASURE,
        mask=MaskStyle.HIDDEN,
        reveal_permission=REVEAL_IDENTITY,
    ),
    PiiField(
        model=APPLICANT,
        field="phone",
        category=Category.CONTACT,
        purpose="contact about the application and staff search",
        retention=UNTIL_ERASURE,
        mask=MaskStyle.LAST_FOUR,
        reveal_permission=REVEAL_CONTACT,
        blind_index=BlindIndex(
            field="phone_index",
            normalization="E.164 through the phonenumbers library",
            compute=lambda applicant: (
                blind_index.phone_index(applicant.phone) if applicant.phone else ""
            ),
        ),
    ),
    _address_field("address_line1"),
    _address_field("address_line2"),
    _address_field("postal_code"),
    _address_field("city"),
    _address_field("address_country"),
    PiiField(
        model=APPLICANT,
        field="national_id",
        category=Category.GOVERNMENT_ID,
        purpose="identity verification and duplicate detection",
        retention=(
            "RETENTION_MINIMIZE_DAYS after verification, then only the last four "
            "characters and the blind index stay; earlier if the application is "
            "erased"
        ),
        mask=MaskStyle.LAST_FOUR,
        reveal_permission=REVEAL_NATIONAL_ID,
        reveal_needs_approval=True,
        blind_index=BlindIndex(
            field="national_id_index",
            normalization="issuing country, then the number without separators",
            compute=lambda applicant: (
                blind_index.national_id_index(
                    applicant.national_id_country, applicant.national_id
                )
                if applicant.national_id
                else ""
            ),
        ),
    ),
    PiiField(
        model=APPLICANT,
        field="national_id_last4",
        category=Category.GOVERNMENT_ID,
        purpose="recognizing a verified applicant's number after minimization",
        retention=UNTIL_ERASURE,
        mask=MaskStyle.HIDDEN,
        reveal_permission=REVEAL_NATIONAL_ID,
    ),
    PiiField(
        model=APPLICANT,
        field="legal_hold_reason",
        category=Category.FREE_TEXT,
        purpose="why compliance paused the retention rules for an applicant",
        retention="until the hold is lifted; the access log keeps its own copy",
        mask=MaskStyle.HIDDEN,
        reveal_permission=None,
        exported=False,
    ),
    NotPii(
        APPLICANT,
        "national_id_country",
        "the issuing country picks the validation scheme and is not a person's ID",
    ),
    PiiField(
        model="onboarding.RevealRequest",
        field="reason",
        category=Category.FREE_TEXT,
        purpose="why a staff member asked to reveal a field, for the approver",
        retention="until the application is erased",
        mask=MaskStyle.HIDDEN,
        reveal_permission=None,
        exported=False,
    ),
    PiiField(
        model="onboarding.WizardDraft",
        field="state",
        category=Category.IDENTITY,
        purpose="the applicant's unfinished wizard steps",
        retention=(
            "deleted when the application is submitted, or with the account "
            "RETENTION_DRAFT_DAYS after the draft's last change"
        ),
        mask=MaskStyle.HIDDEN,
        reveal_permission=None,
        exported=False,
    ),
)
