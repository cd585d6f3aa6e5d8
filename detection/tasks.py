"""Deliver security alerts outside the request that raised them."""

from celery import Task, shared_task
from django.conf import settings

from detection import alerts


@shared_task(bind=True, max_retries=None)
def security_alert_deliver(self: Task, event_id: int) -> None:
    """Deliver one event's alert, retrying failed channels with backoff.

    After SECURITY_ALERT_MAX_RETRIES retries the event is marked failed and
    an error is logged; the event stays open on the dashboard.
    """
    try:
        alerts.alert_deliver(event_id)
    except alerts.AlertDeliveryError as error:
        retries = self.request.retries
        if retries >= settings.SECURITY_ALERT_MAX_RETRIES:
            alerts.alert_failed(event_id, error)
            return
        countdown = settings.SECURITY_ALERT_RETRY_SECONDS * 2**retries
        raise self.retry(countdown=countdown) from error
