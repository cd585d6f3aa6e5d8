"""Find the sessions of the users that a retention rule deletes.

Django's database sessions store the signed-in user's id inside the signed,
encoded session data, not in a column, so no query can select a user's
sessions. The index below decodes every unexpired session once per run and
keeps their keys by user id. Expired sessions are left to the
expired_sessions rule, and sessions cannot outlive SESSION_COOKIE_AGE, so
the index stays as small as the number of people signed in during that
window: about 200 bytes per session.
"""

import datetime
from collections import defaultdict
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session

READ_CHUNK_SIZE = 2000


class SessionIndex:
    """The keys of unexpired sessions by signed-in user id, read on first use."""

    def __init__(self, now: datetime.datetime) -> None:
        self._now = now
        self._keys_by_user: dict[str, list[str]] | None = None

    def keys_for(self, user_ids: list[str]) -> list[str]:
        """Return the session keys of these users and forget them."""
        if self._keys_by_user is None:
            self._keys_by_user = self._read()
        keys: list[str] = []
        for user_id in user_ids:
            keys.extend(self._keys_by_user.pop(str(user_id), []))
        return keys

    def _read(self) -> dict[str, list[str]]:
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        keys_by_user: dict[str, list[str]] = defaultdict(list)
        rows = Session.objects.filter(expire_date__gte=self._now).values_list(
            "session_key", "session_data"
        )
        for session_key, session_data in rows.iterator(chunk_size=READ_CHUNK_SIZE):
            # decode() returns an empty dictionary for data whose signature
            # does not verify, so such a session is skipped.
            user_id = store.decode(session_data).get(SESSION_KEY)
            if user_id:
                keys_by_user[str(user_id)].append(session_key)
        return keys_by_user
