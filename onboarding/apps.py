from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = "Onboarding"

    def ready(self) -> None:
        from django.core import checks

        from onboarding.staging import check_staging_copy

        # A deployment check, so migrate, which runs the database checks,
        # still works on a restored copy that anonymize_database has to
        # migrate first.
        checks.register(check_staging_copy, checks.Tags.database, deploy=True)
