"""Log filters keep bearer secrets out of log lines."""

import logging

from onboarding.log_filters import VerificationTokenFilter


def filtered_message(message: str, *args: object) -> str:
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, message, args, None
    )
    VerificationTokenFilter().filter(record)
    return record.getMessage()


def test_token_in_request_line_replaced():
    line = filtered_message(
        '"%s" %s %s', "GET /verify/abcDEF-123_x/ HTTP/1.1", 200, 512
    )

    assert "abcDEF-123_x" not in line
    assert "/verify/[token]/" in line


def test_other_lines_unchanged():
    assert filtered_message("GET /apply/ HTTP/1.1") == "GET /apply/ HTTP/1.1"
