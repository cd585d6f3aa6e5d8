"""TLS options for the connections to PostgreSQL and Redis."""

import ssl
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# libpq's sslmode values that reject an unencrypted connection. "require"
# encrypts without checking the server's certificate; "verify-ca" checks the
# certificate chain; "verify-full" also checks the host name.
DATABASE_TLS_MODES = ("require", "verify-ca", "verify-full")
DEFAULT_DATABASE_TLS_MODE = "verify-full"


def database_tls_options(options: dict[str, Any]) -> dict[str, Any]:
    """Return the database ``OPTIONS`` with a TLS ``sslmode`` enforced.

    A DATABASE_URL chooses the mode with its ``sslmode`` query parameter and
    the certificate authority with ``sslrootcert`` (a file, or ``system``
    for the system's authorities). Without ``sslmode`` the mode is
    verify-full. A mode that allows plain text raises ImproperlyConfigured.
    """
    sslmode = options.get("sslmode", DEFAULT_DATABASE_TLS_MODE)
    if sslmode not in DATABASE_TLS_MODES:
        msg = (
            "The sslmode in DATABASE_URL allows an unencrypted database "
            "connection. Use one of: " + ", ".join(DATABASE_TLS_MODES) + "."
        )
        raise ImproperlyConfigured(msg)
    return {**options, "sslmode": sslmode}


def redis_tls_options(ca_file: str) -> dict[str, Any]:
    """Return redis-py options that verify the server's TLS certificate.

    Django's Redis cache and Celery's Redis transport both pass these to
    redis-py. An empty ``ca_file`` means the system's authorities.
    """
    options: dict[str, Any] = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    if ca_file:
        options["ssl_ca_certs"] = ca_file
    return options
