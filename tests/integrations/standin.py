"""The stand-in provider for tests: started on 127.0.0.1, settings pointed at it.

Other test packages use it too: ``from tests.integrations.standin import
identity_standin`` makes the fixture available in a test module, and
``identity_standin.received`` lists every request that reached the
provider, for searching for canary values.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from integrations.standin import StandinProvider

API_KEY = "TEST-ONLY-identity-api-key"
TOKEN_KEY = "TEST-ONLY-identity-token-key"
# Seconds to wait for the server thread to stop.
SHUTDOWN_TIMEOUT = 10


@contextmanager
def running_standin(**options) -> Iterator[StandinProvider]:
    """Run a stand-in provider on a free port of 127.0.0.1 until the block ends."""
    server = StandinProvider(("127.0.0.1", 0), api_key=API_KEY, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(SHUTDOWN_TIMEOUT)


def configure_provider(settings, url: str) -> None:
    """Point the identity-verification settings at ``url`` with the test keys."""
    settings.IDENTITY_VERIFICATION_URL = url
    settings.IDENTITY_VERIFICATION_API_KEY = API_KEY
    settings.IDENTITY_VERIFICATION_TOKEN_KEY = TOKEN_KEY
    settings.IDENTITY_VERIFICATION_TIMEOUT = 5.0


@pytest.fixture
def identity_standin(settings) -> Iterator[StandinProvider]:
    """Return a running stand-in provider that the settings point at."""
    with running_standin() as server:
        configure_provider(settings, server.url)
        yield server
