"""The Celery application shared by the web process, the worker and beat.

Settings come from Django's settings under the CELERY_ prefix. JSON is the
only serializer, tasks are acknowledged after they run, and no result
backend stores return values. The broker URL comes from the environment:
Redis by default, or an amqp:// URL for RabbitMQ. Every process that
publishes a task checks its arguments for personal data first, through the
vault's ``before_task_publish`` receiver.
"""

import os
from typing import Any

from celery import Celery
from celery.signals import before_task_publish, setup_logging

from vault.celery_guard import reject_pii_arguments

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

before_task_publish.connect(
    reject_pii_arguments, weak=False, dispatch_uid="vault.reject_pii_arguments"
)


def keep_django_logging(**kwargs: Any) -> None:
    """Leave logging as Django's LOGGING configured it, with redaction.

    Celery sets logging up itself only when no receiver is connected to
    setup_logging. Its set-up would give the task logger a stderr handler
    without the redaction filter, stop task log lines from reaching the
    root logger, and set the root logger's level from ``--loglevel``.
    """


setup_logging.connect(
    keep_django_logging, weak=False, dispatch_uid="config.keep_django_logging"
)
