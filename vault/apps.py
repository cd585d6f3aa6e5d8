from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "vault"
    verbose_name = "Vault"

    def ready(self) -> None:
        from vault.keys import validate_keys

        # Every process (web, worker, management command) validates keys at
        # start-up, because gunicorn and Celery do not run system checks.
        validate_keys()
