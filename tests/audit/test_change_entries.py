"""django-auditlog records changes by field name, never by value."""

import pytest
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from audit.changes import REDACTED
from audit.models import AccessEvent, ChangeEntry
from audit.verification import verify_chain
from onboarding import services
from onboarding.models import Applicant, WizardDraft
from tests.audit.conftest import entries_after, last_id
from tests.conftest import canary_wizard_data
from tests.onboarding.wizard_steps import WIZARD, identity
from vault.inventory import inventory

pytestmark = pytest.mark.django_db


def only_new_entry(after: int, model, action: int) -> ChangeEntry:
    entries = [
        entry
        for entry in entries_after(ChangeEntry, after)
        if entry.content_type.model_class() is model and entry.action == action
    ]
    assert len(entries) == 1, f"{len(entries)} entries instead of one"
    return entries[0]


def test_every_inventory_model_registered():
    declared = {entry.model for entry in inventory}

    registered = {model._meta.label for model in auditlog.get_models()}

    assert registered == {label for label in declared if not label.startswith("audit.")}
    assert apps.get_model("onboarding.Applicant") in auditlog.get_models()


def test_submission_records_names_only(verified_user, canary):
    applicant = services.applicant_for_user(user=verified_user)
    mark = last_id(ChangeEntry)

    services.applicant_submit(applicant=applicant, data=canary_wizard_data(canary))

    entry = only_new_entry(mark, Applicant, ChangeEntry.Action.UPDATE)
    assert entry.object_repr == applicant.reference
    assert entry.changes["legal_name"] == [REDACTED, REDACTED]
    assert entry.changes["national_id"] == [REDACTED, REDACTED]
    assert entry.changes["phone_index"] == [REDACTED, REDACTED]
    assert entry.changes["status"] == ["draft", "submitted"]
    for value in canary.searchable_values().values():
        assert value not in str(entry.changes)


def test_draft_deletion_recorded(signed_in_client, canary):
    signed_in_client.post(WIZARD, identity(canary))
    draft = WizardDraft.objects.get()
    mark = last_id(ChangeEntry)

    services.applicant_submit(
        applicant=draft.applicant, data=canary_wizard_data(canary)
    )

    entry = only_new_entry(mark, WizardDraft, ChangeEntry.Action.DELETE)
    assert entry.object_repr == draft.applicant_id
    assert entry.changes["state"] == [REDACTED, REDACTED]
    # A draft has an integer key, which django-auditlog stores as text.
    assert verify_chain(ChangeEntry).intact


def test_request_context_recorded(signed_in_client, verified_user, canary):
    mark = last_id(ChangeEntry)

    response = signed_in_client.post(WIZARD, identity(canary))

    entry = only_new_entry(mark, WizardDraft, ChangeEntry.Action.CREATE)
    assert entry.actor_id == verified_user.pk
    assert entry.cid == response["X-Request-ID"]
    assert entry.client_network == "127.0.0.0/24"


def test_user_named_by_id(verified_user):
    mark = last_id(ChangeEntry)

    verified_user.is_active = False
    verified_user.save()

    entry = only_new_entry(mark, type(verified_user), ChangeEntry.Action.UPDATE)
    assert entry.object_repr == str(verified_user.pk)
    assert entry.changes == {"is_active": ["True", "False"]}


def test_group_membership_by_primary_key(verified_user):
    group = Group.objects.create(name="Test role")
    mark = last_id(ChangeEntry)

    verified_user.groups.add(group)

    entry = only_new_entry(mark, type(verified_user), ChangeEntry.Action.UPDATE)
    assert entry.changes == {
        "groups": {"type": "m2m", "operation": "add", "objects": [str(group.pk)]}
    }


def test_copied_personal_columns_empty(signed_in_client, canary):
    signed_in_client.post(
        WIZARD, identity(canary), HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1"
    )

    for entry in ChangeEntry.objects.all():
        assert entry.actor_email is None
        assert entry.remote_addr is None
        assert entry.serialized_data is None
        assert entry.additional_data is None
        assert "203.0.113" not in entry.client_network


def test_constraint_rejects_actor_email(verified_user):
    entry = ChangeEntry.objects.latest("id")
    copy = ChangeEntry(
        content_type=entry.content_type,
        object_pk=entry.object_pk,
        object_repr=entry.object_repr,
        action=entry.action,
        actor_email="someone@example.com",
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        # save() clears the column, so the insert goes around it to show
        # that the database rejects it too.
        super(ChangeEntry, copy).save(force_insert=True)


def test_audit_tables_have_no_history(staff_user):
    mark = last_id(ChangeEntry)

    AccessEvent(actor=staff_user, action=AccessEvent.Action.VIEW).save()

    assert entries_after(ChangeEntry, mark) == []
