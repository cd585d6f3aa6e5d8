"""Read settings from files named by ``NAME_FILE`` environment variables.

Docker and Kubernetes mount secrets as files, so a container can set
``DJANGO_SECRET_KEY_FILE=/run/secrets/django_secret_key`` instead of putting
the key itself in its environment, where ``docker inspect`` and every child
process can read it.
"""

from typing import Any

import environ


class SecretFileMapping(environ.FileAwareMapping):
    """The process environment, where ``NAME_FILE`` supplies ``NAME``.

    django-environ's mapping returns a file's text as it is. A secret file
    written with ``echo`` ends with a newline, which would become part of a
    key or of a database name, so the final line break is removed.

    A ``NAME_FILE`` variable wins over ``NAME``. A file that does not exist
    raises ``FileNotFoundError`` at start-up instead of being skipped.
    """

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if self.env.get(key + "_FILE"):
            return value.rstrip("\r\n")
        return value


def secret_file_env() -> environ.Env:
    """Return a django-environ reader that also reads ``NAME_FILE`` files."""
    env = environ.Env()
    env.ENVIRON = SecretFileMapping()
    return env
