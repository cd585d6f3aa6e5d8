"""Staff roles: groups and the permissions each one grants.

docs/staff-roles.md explains the matrix. A data migration creates the groups,
and ``ensure_roles`` can run again at any time to restore them.
"""

from typing import Any

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "Support": [
        "onboarding.view_applicant",
        "onboarding.resend_verification",
    ],
    "Compliance": [
        "onboarding.view_applicant",
        "onboarding.decide_applicant",
        "onboarding.export_applicant",
        "onboarding.reveal_identity",
        "onboarding.reveal_contact",
        "onboarding.reveal_national_id",
        "onboarding.set_legal_hold",
    ],
    "Security": [
        "audit.view_accessevent",
        "audit.view_changeentry",
        "audit.view_securityevent",
        "audit.acknowledge_securityevent",
        "audit.view_revealsuspension",
        "audit.restore_reveal_right",
    ],
    "Administrator": [
        "onboarding.view_applicant",
        "onboarding.view_user",
        "auth.view_group",
        "audit.view_accessevent",
        "audit.view_changeentry",
    ],
}


def ensure_roles(apps: Any) -> None:
    """Create each role's group and set exactly its permissions.

    ``apps`` is the app registry: the historical one inside a migration,
    ``django.apps.apps`` elsewhere. Missing permissions are created first,
    because Django only creates them after all migrations have run.

    Inside a migration, a permission of a model or Meta option that a later
    migration adds does not exist yet, so it is left out. Every migration
    that adds one calls ensure_roles again. With the live registry, a permission
    that does not exist raises Permission.DoesNotExist.
    """
    from django.apps import apps as live_apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips app configs without a models module, and
        # the historical configs of a migration have none.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            try:
                permission = permission_model.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            except permission_model.DoesNotExist:
                if apps is live_apps:
                    raise
                continue
            permissions.append(permission)
        group.permissions.set(permissions)


def holds_permission(user: Any, permission: str) -> bool:
    """Return whether ``user`` holds ``permission`` through a role or a grant.

    Unlike ``has_perm``, the superuser flag alone does not count. Reveals
    use this, so that every value revealed follows the role table, even
    for the account that administers the portal.
    """
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    app_label, _dot, codename = permission.partition(".")
    return Permission.objects.filter(
        Q(group__user=user) | Q(user=user),
        content_type__app_label=app_label,
        codename=codename,
    ).exists()
