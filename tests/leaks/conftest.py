import io
import logging

import pytest
from django.test import Client

from tests.integrations.standin import identity_standin  # noqa: F401
from tests.portal.conftest import make_staff, staff_roles  # noqa: F401

ADMINS = [("Operations", "operations@example.com")]


@pytest.fixture
def log_output():
    """Return the text that the project's console handler writes meanwhile.

    The handler keeps its filters and formatter, so the test reads exactly
    what would reach the terminal or the log collector.
    """
    console = next(
        handler
        for handler in logging.getLogger().handlers
        if handler.get_name() == "console"
    )
    stream = io.StringIO()
    previous = console.setStream(stream)
    yield stream
    console.setStream(previous)


@pytest.fixture
def admins(settings):
    settings.ADMINS = ADMINS
    return ADMINS


@pytest.fixture
def error_client() -> Client:
    """A client that receives the 500 page instead of the exception."""
    return Client(raise_request_exception=False)
