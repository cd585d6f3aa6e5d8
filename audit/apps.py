from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import post_init, post_save
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from audit import receivers
        from audit.changes import register_inventory_models

        # The vault loaded the PII inventory in its own ready(), which runs
        # first because "vault" comes before "audit" in INSTALLED_APPS.
        register_inventory_models()

        user_logged_in.connect(receivers.sign_in_recorded, dispatch_uid="audit")
        # Connected before django-axes imports its own receivers below, so a
        # failed sign-in is recorded before the lockout it may cause.
        user_login_failed.connect(
            receivers.sign_in_failure_recorded, dispatch_uid="audit"
        )
        from axes.signals import user_locked_out

        user_locked_out.connect(receivers.lockout_recorded, dispatch_uid="audit")

        user_model = get_user_model()
        post_init.connect(receivers.password_remembered, sender=user_model)
        post_save.connect(receivers.password_change_recorded, sender=user_model)
        post_init.connect(receivers.device_state_remembered, sender=TOTPDevice)
        post_save.connect(receivers.otp_enrolment_recorded, sender=TOTPDevice)
