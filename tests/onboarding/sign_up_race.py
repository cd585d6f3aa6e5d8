"""Two sign-ups with one address, raced so that the database decides."""

import threading

from django.db import connections
from django.test import Client
from django.urls import reverse

from onboarding.models import User

# Each racing thread gives up after this many seconds instead of hanging.
RACE_TIMEOUT = 10
# What the sign-up service logs when the unique constraint stops the second.
RACE_LOG_MESSAGE = "Sign-up raced with another for the same address"


def racing_sign_ups(email: str, password: str, monkeypatch) -> list:
    """Post two sign-ups at once and return both responses.

    Each thread waits just before its INSERT, after both threads have looked
    the address up and found no account. So the unique constraint on the
    blind index, not the lookup, must stop the second account.
    """
    start = threading.Barrier(2, timeout=RACE_TIMEOUT)
    before_insert = threading.Barrier(2, timeout=RACE_TIMEOUT)
    original_save = User.save

    def save_after_both_looked_up(user, *args, **kwargs):
        if user._state.adding:
            before_insert.wait()
        return original_save(user, *args, **kwargs)

    monkeypatch.setattr(User, "save", save_after_both_looked_up)
    responses: list = []
    errors: list[BaseException] = []

    def sign_up() -> None:
        try:
            start.wait()
            response = Client().post(
                reverse("onboarding:sign-up"),
                {"email": email, "password1": password, "password2": password},
            )
            responses.append(response)
        except BaseException as error:
            # An exception in a thread would otherwise only print a warning.
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT * 3)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return responses
