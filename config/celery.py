"""The Celery application shared by the worker and beat.

Settings come from Django's settings under the CELERY_ prefix: JSON is the
only serializer, tasks are acknowledged after they run, and the broker URL
comes from the environment (Redis by default; an amqp:// URL for RabbitMQ
works too).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
