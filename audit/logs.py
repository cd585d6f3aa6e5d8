"""Log lines as JSON objects that carry the request's correlation id.

The id is the one RequestIdMiddleware returns in the X-Request-ID header
and stores in audit entries, so a log line, a response and an audit row of
one request can be matched up.
"""

import datetime
import json
import logging
from typing import Any

from audit.context import current_request_id
from vault.redaction import record_extras


class RequestIdFilter(logging.Filter):
    """Set ``record.request_id`` to the current request's id, or None."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON.

    The object has the time in UTC, the level, the logger's name, the
    message, the request id (null outside a request), every extra field and the
    traceback text. The formatter writes only what the record contains, so
    RedactionFilter must run first. An extra value that JSON cannot
    represent is written as its type name only.
    """

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        entry: dict[str, Any] = {
            "time": created.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # None outside a request, such as in a Celery task.
            "request_id": getattr(record, "request_id", None),
        }
        for name, value in record_extras(record):
            entry.setdefault(name, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=_type_name, ensure_ascii=False)


def _type_name(value: Any) -> str:
    return f"<{type(value).__name__}>"
