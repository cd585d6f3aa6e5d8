from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from integrations import receivers
        from integrations.identity_verification.config import provider_settings
        from onboarding.models import Applicant
        from onboarding.signals import applicant_submitted
        from vault.signals import outbound_payload_refused

        outbound_payload_refused.connect(
            receivers.outbound_refusal_record,
            dispatch_uid="integrations.outbound_refusal_record",
        )
        applicant_submitted.connect(
            receivers.identity_verification_schedule,
            sender=Applicant,
            dispatch_uid="integrations.identity_verification_schedule",
        )
        # Every process (web, worker, management command) validates the
        # provider settings at start-up, because gunicorn and Celery do not
        # run system checks.
        provider_settings()
