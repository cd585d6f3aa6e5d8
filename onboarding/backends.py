"""Authenticate by email address through its blind index."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser

from onboarding.models import User


class EmailBlindIndexBackend(ModelBackend):
    """Django's ModelBackend, looking users up by the email's blind index.

    The lookup happens in ``UserManager.get_by_natural_key``. Unknown
    addresses still cost one password hash, as in ModelBackend, so response
    time does not tell who has an account. An account whose email is not yet
    verified cannot sign in.
    """

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return bool(getattr(user, "is_email_verified", False))
