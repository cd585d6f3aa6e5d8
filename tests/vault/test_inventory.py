"""The PII inventory, its system checks and the generated data map."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template

from vault import checks
from vault.data_map import render_data_map
from vault.inventory import (
    Category,
    Inventory,
    InventoryError,
    MaskStyle,
    NotPii,
    PiiField,
    inventory,
)


def declaration(model: str, field: str, **overrides) -> PiiField:
    values = {
        "category": Category.CONTACT,
        "purpose": "a test",
        "retention": "a test",
        "mask": MaskStyle.HIDDEN,
        "reveal_permission": None,
    }
    return PiiField(model=model, field=field, **(values | overrides))


def project_declarations_except(model: str, field: str) -> Inventory:
    copy = Inventory()
    copy.declare(*[entry for entry in inventory if entry.key != (model, field)])
    copy.declare(*inventory.exemptions())
    return copy


def error_ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_project_passes_checks():
    assert checks.check_undeclared_fields() == []
    assert checks.check_declared_fields_exist() == []


def test_undeclared_encrypted_field_fails():
    partial = project_declarations_except("onboarding.Applicant", "city")

    errors = checks.check_undeclared_fields(declarations=partial)

    assert error_ids(errors) == ["vault.E001"]
    assert "onboarding.Applicant.city" in errors[0].msg


def test_undeclared_personal_name_fails():
    partial = Inventory()
    partial.declare(*[entry for entry in inventory])
    partial.declare(
        *[e for e in inventory.exemptions() if e.field != "email_verified_at"]
    )

    errors = checks.check_undeclared_fields(declarations=partial)

    assert error_ids(errors) == ["vault.E001"]
    assert "email_verified_at" in errors[0].msg


def test_declaration_of_missing_field_fails():
    extended = project_declarations_except("", "")
    extended.declare(declaration("onboarding.Applicant", "passport_number"))

    errors = checks.check_declared_fields_exist(declarations=extended)

    assert error_ids(errors) == ["vault.E002"]


def test_declaration_of_plaintext_field_fails():
    extended = project_declarations_except("", "")
    extended.declare(declaration("onboarding.Applicant", "status"))

    errors = checks.check_declared_fields_exist(declarations=extended)

    assert error_ids(errors) == ["vault.E003"]


@pytest.mark.parametrize(
    ("name", "personal"),
    [
        ("email", True),
        ("phone_number", True),
        ("date_of_birth", True),
        ("ip_address", True),
        ("national_id", True),
        ("zip", False),
        ("description", False),
        ("shipping_method", False),
    ],
)
def test_personal_name_pattern(name, personal):
    assert bool(checks.PII_NAME_PATTERN.search(name)) is personal


def test_field_declared_twice_rejected():
    twice = Inventory()
    twice.declare(declaration("onboarding.Applicant", "city"))

    with pytest.raises(InventoryError, match="declared twice"):
        twice.declare(NotPii("onboarding.Applicant", "city", "a test"))


@pytest.mark.django_db
def test_reveal_permissions_exist():
    existing = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    for entry in inventory:
        permission = entry.reveal_permission
        assert permission is None or permission in existing, entry.key


def test_data_map_is_current():
    call_command("data_map", "--check")


def test_data_map_check_detects_stale_file(tmp_path):
    stale = tmp_path / "data-map.md"
    stale.write_text(render_data_map(inventory).replace("phone", "telephone"))

    with pytest.raises(CommandError, match="is stale"):
        call_command("data_map", "--check", "--output", stale)


def test_masked_filter_uses_inventory():
    template = Template(
        '{% load vault_masks %}{{ phone|masked:"onboarding.Applicant.phone" }}'
    )

    rendered = template.render(Context({"phone": "+442079460123"}))

    assert rendered == "*** *** 0123"


def test_masked_filter_rejects_undeclared_field():
    template = Template(
        '{% load vault_masks %}{{ value|masked:"onboarding.Applicant.status" }}'
    )

    with pytest.raises(KeyError, match="not declared"):
        template.render(Context({"value": "draft"}))
