"""Log lines are JSON, carry the request id, and repeat no canary value."""

import logging
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.celery import app as celery_app
from tests.leaks import urls
from tests.leaks.sinks import canary_fields_in, json_lines, posted_canary
from vault.redaction import RedactionFilter


@pytest.mark.django_db
@pytest.mark.urls("tests.leaks.urls")
def test_log_line_carries_request_id(client, canary, log_output):
    request_id = str(uuid.uuid4())

    response = client.post(
        urls.LOG_POSTED_VALUES,
        posted_canary(canary),
        headers={"X-Request-ID": request_id},
    )

    assert response["X-Request-ID"] == request_id
    lines = [
        line for line in json_lines(log_output) if line["logger"] == "tests.leaks.views"
    ]
    assert len(lines) == 1
    assert lines[0]["request_id"] == request_id


@pytest.mark.django_db
@pytest.mark.urls("tests.leaks.urls")
def test_log_line_redacts_message_and_extras(client, canary, log_output):
    client.post(urls.LOG_POSTED_VALUES, posted_canary(canary))

    [line] = [
        line for line in json_lines(log_output) if line["logger"] == "tests.leaks.views"
    ]
    assert line["message"] == "Received [request value] from [email]"
    assert line["city"] == "[request value]"
    assert line["values"]["email"] == "[email]"
    assert line["values"]["national_id"] == "[national ID]"
    assert canary_fields_in(log_output.getvalue(), canary) == []


@pytest.mark.django_db
def test_sign_up_log_lines_leak_nothing(client, canary, log_output):
    request_id = str(uuid.uuid4())

    client.post(
        "/sign-up/",
        {
            "email": canary.email,
            "password1": canary.password,
            "password2": canary.password,
        },
        headers={"X-Request-ID": request_id},
    )

    lines = json_lines(log_output)
    assert "Account created" in [line["message"] for line in lines]
    assert {line["request_id"] for line in lines} == {request_id}
    assert canary_fields_in(log_output.getvalue(), canary) == []


@pytest.mark.django_db
def test_sql_not_logged_at_debug_level(client, canary, log_output, monkeypatch):
    # As with LOG_LEVEL=DEBUG. CaptureQueriesContext makes Django log every
    # query, as it does when DEBUG is on.
    monkeypatch.setattr(logging.getLogger(), "level", logging.DEBUG)

    with CaptureQueriesContext(connection) as queries:
        client.post(
            "/sign-up/",
            {
                "email": canary.email,
                "password1": canary.password,
                "password2": canary.password,
            },
        )

    assert len(queries) > 0
    loggers = {line["logger"] for line in json_lines(log_output)}
    assert "django.db.backends" not in loggers
    assert "SELECT" not in log_output.getvalue()
    assert "INSERT" not in log_output.getvalue()


def test_every_handler_redacts():
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    handlers = {
        (logger.name, handler)
        for logger in loggers
        for handler in logger.handlers
        # pytest's own capture handlers are not part of the project.
        if not type(handler).__module__.startswith("_pytest")
        and not isinstance(handler, logging.NullHandler)
    }

    assert handlers
    for logger_name, handler in handlers:
        assert any(isinstance(item, RedactionFilter) for item in handler.filters), (
            f"{handler!r} of logger {logger_name!r} has no redaction filter"
        )


def test_celery_leaves_logging_alone(monkeypatch):
    root = logging.getLogger()
    level = root.level
    monkeypatch.setattr(celery_app.log, "already_setup", False)

    # What a worker does at start-up, here with a level that differs.
    celery_app.log.setup_logging_subsystem(loglevel="ERROR")

    task_logger = logging.getLogger("celery.task")
    assert root.level == level
    assert [
        handler
        for handler in task_logger.handlers
        if not isinstance(handler, logging.NullHandler)
    ] == []
    assert task_logger.propagate
