"""The onboarding app's entries in the PII inventory.

Every model field here that holds personal data is declared once, with why
it is kept, for how long, how staff see it and who may reveal it. A new
field that is not declared fails the ``vault.E001`` system check.
"""

from faker import Faker

from onboarding import synthetic
from vault import blind_index
from vault.anonymization import empty_on_anonymization
from vault.inventory import BlindIndex, Category, MaskStyle, NotPii, PiiField, declare
from vault.pseudonyms import FakeMaker

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


def _address_field(field: str, fake: FakeMaker) -> PiiField:
    return PiiField(
        model=APPLICANT,
        field=field,
        category=Category.CONTACT,
        purpose=ADDRESS_PURPOSE,
        retention=UNTIL_ERASURE,
        mask=MaskStyle.HIDDEN,
        reveal_permission=REVEAL_CONTACT,
        fake=fake,
    )


def _street_address(fake: Faker) -> str:
    return str(fake.street_address())


def _postal_code(fake: Faker) -> str:
    return str(fake.postcode())


def _city(fake: Faker) -> str:
    return str(fake.city())


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
        fake=synthetic.fake_email,
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
        fake=synthetic.fake_legal_name,
    ),
    PiiField(
        model=APPLICANT,
        field="date_of_birth",
        category=Category.IDENTITY,
        purpose="identity verification and the minimum age rule",
        retention=UNTIL_ERASURE,
        mask=MaskStyle.HIDDEN,
        reveal_permission=REVEAL_IDENTITY,
        fake=synthetic.fake_date_of_birth,
    ),
    PiiField(
        model=APPLICANT,
        field="phone",
        category=Category.CONTACT,
        purpose="contact about the application and staff search",
        retention=UNTIL_ERASURE,
        mask=MaskStyle.LAST_FOUR,
        reveal_permission=REVEAL_CONTACT,
        fake=synthetic.fake_phone,
        blind_index=BlindIndex(
            field="phone_index",
            normalization="E.164 through the phonenumbers library",
            compute=lambda applicant: (
                blind_index.phone_index(applicant.phone) if applicant.phone else ""
            ),
        ),
    ),
    _address_field("address_line1", _street_address),
    _address_field("address_line2", _street_address),
    _address_field("postal_code", _postal_code),
    _address_field("city", _city),
    _address_field("address_country", synthetic.fake_country),
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
        fake=synthetic.fake_national_id,
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
        fake=synthetic.fake_last_four,
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

# Tables that an anonymized staging copy keeps no row of. The order matters:
# a table comes before the tables it references.
empty_on_anonymization(
    "onboarding.WizardDraft",
    "unfinished wizard steps; an applicant in draft on staging starts again",
)
empty_on_anonymization(
    "onboarding.EmailVerification",
    "pending confirmation links and the password hashes of their sign-ups",
)
empty_on_anonymization("sessions.Session", "signed-in sessions of production accounts")
empty_on_anonymization(
    "otp_static.StaticToken", "staff backup codes, which are production secrets"
)
empty_on_anonymization("otp_static.StaticDevice", "the devices of those backup codes")
empty_on_anonymization(
    "otp_totp.TOTPDevice", "staff authenticator secrets, which are production secrets"
)
empty_on_anonymization(
    "admin.LogEntry",
    "Django admin's own history, whose object_repr is str() of any model",
)
