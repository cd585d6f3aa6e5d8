"""Turn a restored production copy into an anonymized staging copy.

``database_anonymize`` runs every step in one transaction, so a run that
fails leaves the copy as it was, and a copy is never half anonymized.
docs/anonymization.md describes what each step changes and why.
"""

import logging
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from audit.anonymization import AuditScrub, audit_trail_anonymize
from audit.models import CHAINED_MODELS
from onboarding.models import Applicant, StagingCopyMarker, User
from onboarding.pii import APPLICANT, USER
from onboarding.staging import is_production
from onboarding.synthetic import FAKER_LOCALE
from vault.anonymization import (
    Anonymizer,
    RowHook,
    emptied_tables,
    models_with_pii,
    table_empty,
)
from vault.inventory import inventory
from vault.pseudonyms import Pseudonyms

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 2000
RUN_KEY_BYTES = 32

PRODUCTION_REFUSED = (
    "DJANGO_ENVIRONMENT is production, and anonymize_database replaces every "
    "personal value in the database. Run it only on a restored copy, with "
    "DJANGO_ENVIRONMENT set to staging."
)


class AnonymizationRefusedError(Exception):
    """The settings say production, so nothing was changed."""


@dataclass
class AnonymizationReport:
    """The counts of rows that one run changed, by model or table label."""

    run_id: uuid.UUID
    rewritten: Counter[str] = field(default_factory=Counter)
    emptied: Counter[str] = field(default_factory=Counter)
    audit: dict[str, int] = field(default_factory=dict)
    passwords_disabled: int = 0
    # Fakes that had to equal an original or another fake, because the
    # field's range of fakes ran out (docs/anonymization.md).
    repeated_fakes: int = 0


def database_anonymize(*, batch_size: int = DEFAULT_BATCH_SIZE) -> AnonymizationReport:
    """Replace every personal value, empty secrets and logs, mark the copy.

    Raises AnonymizationRefusedError, before touching the database, when
    DJANGO_ENVIRONMENT is production.
    """
    if is_production():
        raise AnonymizationRefusedError(PRODUCTION_REFUSED)
    # The key lives in this process only, so nobody can map a fake back to
    # its original after the run.
    pseudonyms = Pseudonyms(secrets.token_bytes(RUN_KEY_BYTES), locale=FAKER_LOCALE)
    anonymizer = Anonymizer(pseudonyms, batch_size=batch_size)
    report = AnonymizationReport(run_id=uuid.uuid4())

    with transaction.atomic():
        rewritten_models = _rewritten_models()
        for model in rewritten_models:
            anonymizer.collect(model)
        for model in rewritten_models:
            hook = _last_four_from_fake(anonymizer) if model is Applicant else None
            rows = anonymizer.anonymize(model, row_hook=hook)
            report.rewritten[model._meta.label] = rows
        for table in emptied_tables():
            report.emptied[table.model] = table_empty(table.model)
        # Password hashes of real accounts could be cracked offline, so no
        # account of the copy keeps one. Staff on staging set new passwords.
        report.passwords_disabled = User.objects.update(password=make_password(None))
        report.audit = audit_trail_anonymize(_audit_scrub(anonymizer, batch_size))
        StagingCopyMarker.objects.update_or_create(
            id=StagingCopyMarker.SINGLETON_ID,
            defaults={"run_id": report.run_id, "anonymized_at": timezone.now()},
        )

    report.repeated_fakes = pseudonyms.repeated
    logger.warning(
        "Anonymized the database in run %s: %s rows rewritten, %s rows emptied",
        report.run_id,
        report.rewritten.total(),
        report.emptied.total(),
    )
    return report


def _rewritten_models() -> list[type[models.Model]]:
    """Return the models whose declared values are replaced row by row.

    Emptied tables lose their rows instead, and the audit chains are
    rewritten by the audit app, which also relinks them.
    """
    skipped = {table.model for table in emptied_tables()}
    skipped.update(model._meta.label for model in CHAINED_MODELS)
    return [model for model in models_with_pii() if model._meta.label not in skipped]


def _last_four_from_fake(anonymizer: Anonymizer) -> RowHook:
    """Return a row hook that derives the kept last four from the fake number.

    They matched the real number, so they must match its fake. A minimized
    row has no number left, so its fake is the one of another row with the
    same blind index, if any. Without such a row the last four keep their
    own fake.
    """
    national_id = inventory.get(APPLICANT, "national_id")

    def last_four_from_fake(instance: models.Model) -> None:
        assert isinstance(instance, Applicant)  # noqa: S101 - the hook is for applicants
        if not instance.national_id_last4:
            return
        # The blind index still contains its stored value, because the hook
        # runs before the indexes are computed again.
        number = instance.national_id or anonymizer.fake_for_index(
            national_id, instance.national_id_index
        )
        if number:
            characters = [ch for ch in str(number) if ch.isalnum()]
            instance.national_id_last4 = "".join(characters[-4:])

    return last_four_from_fake


def _audit_scrub(anonymizer: Anonymizer, batch_size: int) -> AuditScrub:
    reason = inventory.get("audit.AccessEvent", "reason")
    email = inventory.get(USER, "email")

    def reason_fake(text: str) -> str:
        return str(anonymizer.fake_value(reason, text))

    def account_index_remap(stored: str) -> str:
        # A sign-in attempt names the account by the blind index of the
        # typed address, which is the account's email_index when it exists.
        return anonymizer.remap_index(email, stored, User())

    return AuditScrub(
        reason_fake=reason_fake,
        account_index_remap=account_index_remap,
        batch_size=batch_size,
    )
