from django.db import migrations


def create_roles(apps, schema_editor):
    from onboarding.roles import ensure_roles

    ensure_roles(apps)


def delete_roles(apps, schema_editor):
    from onboarding.roles import ROLE_PERMISSIONS

    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0001_initial"),
        ("onboarding", "0004_staff_permissions_reveal_requests"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
