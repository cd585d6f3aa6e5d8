from django.db import migrations


def update_roles(apps, schema_editor):
    from onboarding.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    # The Security and Administrator roles may now read the change history
    # too; ensure_roles sets every role's permissions to ROLE_PERMISSIONS.
    dependencies = [
        ("audit", "0002_trail"),
        ("onboarding", "0005_staff_roles"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
