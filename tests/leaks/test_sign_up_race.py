"""A duplicate sign-up that meets the unique constraint leaks no address.

Two sign-ups with one address both find no account, then both insert. The
database's unique constraint on the e-mail blind index rejects the second
INSERT with an IntegrityError, which the sign-up service handles. Neither
the log nor the responses may carry the address.
"""

import threading

import pytest
from django.db import connections
from django.test import Client

from onboarding.models import User
from tests.leaks.sinks import canary_fields_in

# Each racing thread gives up after this many seconds instead of hanging.
RACE_TIMEOUT = 10
RACE_LOG_MESSAGE = "Sign-up raced with another for the same address"


@pytest.mark.django_db(transaction=True)
def test_duplicate_sign_up_leaks_nothing(canary, monkeypatch, log_output):
    # Each thread waits here just before its INSERT, after both have looked
    # the address up, so the constraint and not the lookup stops the second.
    before_insert = threading.Barrier(2, timeout=RACE_TIMEOUT)
    original_save = User.save

    def save_after_both_looked_up(user, *args, **kwargs):
        if user._state.adding:
            before_insert.wait()
        return original_save(user, *args, **kwargs)

    monkeypatch.setattr(User, "save", save_after_both_looked_up)
    responses = []
    errors: list[BaseException] = []

    def sign_up() -> None:
        try:
            response = Client().post(
                "/sign-up/",
                {
                    "email": canary.email,
                    "password1": canary.password,
                    "password2": canary.password,
                },
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
    assert [response.status_code for response in responses] == [302, 302]
    # The losing thread took the IntegrityError path, so the race happened.
    assert RACE_LOG_MESSAGE in log_output.getvalue()
    assert canary_fields_in(log_output.getvalue(), canary) == []
    for response in responses:
        assert canary_fields_in(response.content, canary) == []
        assert canary_fields_in(str(response.headers), canary) == []
