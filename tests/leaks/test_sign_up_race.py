"""A duplicate sign-up that meets the unique constraint leaks no address.

Two sign-ups with one address both find no account, then both insert. The
database's unique constraint on the e-mail blind index rejects the second
INSERT with an IntegrityError, which the sign-up service handles. Neither
the log nor the responses may carry the address.
"""

import pytest

from tests.leaks.sinks import canary_fields_in
from tests.onboarding.sign_up_race import RACE_LOG_MESSAGE, racing_sign_ups


@pytest.mark.django_db(transaction=True)
def test_duplicate_sign_up_leaks_nothing(canary, monkeypatch, log_output):
    responses = racing_sign_ups(canary.email, canary.password, monkeypatch)

    assert [response.status_code for response in responses] == [302, 302]
    # The losing thread took the IntegrityError path, so the race happened.
    assert RACE_LOG_MESSAGE in log_output.getvalue()
    assert canary_fields_in(log_output.getvalue(), canary) == []
    for response in responses:
        assert canary_fields_in(response.content, canary) == []
        assert canary_fields_in(str(response.headers), canary) == []
