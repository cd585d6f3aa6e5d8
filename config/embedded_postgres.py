"""Start the embedded PostgreSQL server used when DATABASE_URL is not set.

The pgserver package ships PostgreSQL binaries as a wheel, so a developer
without Docker or a system PostgreSQL still runs the project on the same
database engine as production. SQLite is never a fallback: its behaviour
around constraints, locking and types differs from what the vault relies on.
"""

from pathlib import Path
from typing import Any


def embedded_database_settings(data_dir: Path) -> dict[str, Any]:
    """Start (or reuse) the server in ``data_dir`` and return Django settings.

    The server keeps running after this process exits, so ``make run`` and
    ``make test`` share it; ``make stop-db`` stops it.
    """
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    postmaster = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": str(postmaster.socket_dir or postmaster.hostname),
        "PORT": str(postmaster.port or ""),
    }
