"""Check Celery task arguments for personal data before a message is published.

Task messages sit in the broker, in plain JSON, until a worker takes them,
and Celery repeats their arguments in retries and failure reports. Tasks
therefore take ids and public references only. ``reject_pii_arguments`` is
a ``before_task_publish`` receiver that checks every published message,
including retries and beat's scheduled runs, with ``vault.detector``.

When DEBUG is on or CELERY_REJECT_PII_ARGUMENTS is true, a message with
personal data is not published: the receiver raises
PiiInTaskArgumentsError in the caller. Otherwise it logs a warning that
names the task and the kinds of value found, never the value, and the
message is published.
"""

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from vault.detector import pii_kinds

logger = logging.getLogger(__name__)


class PiiInTaskArgumentsError(BaseException):
    """A task was published with something that looks like personal data.

    It derives from BaseException, like pytest's outcome exceptions, because
    Celery's signal dispatcher catches and only logs an Exception raised by a
    receiver, and the message would then be published anyway. For the same
    reason no ``except Exception`` around a ``delay()`` call can swallow it.
    """

    def __init__(self, *, task_name: str, kinds: Sequence[str]) -> None:
        self.task_name = task_name
        self.kinds = list(kinds)
        super().__init__(
            f"Task {task_name} was published with personal data in its "
            f"arguments ({', '.join(kinds)}). Pass ids or public references "
            "and load the values inside the task."
        )


def reject_pii_arguments(
    sender: str | None = None, body: Any = None, **kwargs: Any
) -> None:
    """Raise or warn when a task message's arguments contain personal data."""
    kinds = sorted(pii_kinds(_arguments(body)))
    if not kinds:
        return
    task_name = sender or "unknown task"
    if settings.DEBUG or getattr(settings, "CELERY_REJECT_PII_ARGUMENTS", False):
        raise PiiInTaskArgumentsError(task_name=task_name, kinds=kinds)
    logger.warning(
        "Task %s was published with personal data in its arguments (%s)",
        task_name,
        ", ".join(kinds),
    )


def _arguments(body: Any) -> list[Any]:
    # Message protocol 2, Celery's default, sends (args, kwargs, embed). The
    # older protocol 1 sends a dictionary with "args" and "kwargs" keys.
    if isinstance(body, dict):
        return [body.get("args"), body.get("kwargs")]
    if isinstance(body, tuple | list) and len(body) >= 2:
        return [body[0], body[1]]
    return [body]
