from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "vault"
    verbose_name = "Vault"

    def ready(self) -> None:
        from django.apps import apps
        from django.conf import settings
        from django.core import checks
        from django.db.models.signals import post_init

        from vault import checks as vault_checks
        from vault.fields import encrypted_fields, raise_on_undecryptable
        from vault.inventory import load_declarations
        from vault.keys import validate_keys

        load_declarations()
        for model in apps.get_models():
            if encrypted_fields(model):
                post_init.connect(raise_on_undecryptable, sender=model)
        checks.register(vault_checks.check_undeclared_fields, "vault")
        checks.register(vault_checks.check_declared_fields_exist, "vault")

        # Every process (web, worker, management command) validates keys at
        # start-up, because gunicorn and Celery do not run system checks.
        validate_keys()

        # Here rather than in settings, so that the scrubber can read the
        # complete PII inventory, and every process starts it.
        if getattr(settings, "SENTRY_DSN", ""):
            from vault.sentry import sentry_init

            sentry_init(
                dsn=settings.SENTRY_DSN,
                environment=getattr(settings, "SENTRY_ENVIRONMENT", "production"),
                traces_sample_rate=getattr(settings, "SENTRY_TRACES_SAMPLE_RATE", 0.0),
            )
