from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "detection"
    verbose_name = "Detection"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import post_save, pre_save

        from audit.models import AccessEvent, SecurityEvent
        from detection import checks, receivers
        from onboarding import signals

        checks.register()
        user_login_failed.connect(receivers.sign_in_failed, dispatch_uid="detection")
        user_logged_in.connect(receivers.signed_in, dispatch_uid="detection")
        signals.sign_up_submitted.connect(receivers.sign_up_submitted)
        signals.form_posted.connect(receivers.form_posted)
        signals.form_rejected.connect(receivers.form_rejected)
        signals.form_accepted.connect(receivers.form_accepted)
        post_save.connect(receivers.access_event_saved, sender=AccessEvent)
        pre_save.connect(receivers.security_event_creating, sender=SecurityEvent)
        post_save.connect(receivers.security_event_saved, sender=SecurityEvent)
