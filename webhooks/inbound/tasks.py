"""Celery tasks for inbound processing: thin; the work is in ``processing``."""

from celery import shared_task

from webhooks.inbound import processing
from webhooks.inbound.wakeup import processing_ran


@shared_task(name="webhooks.process_inbound_events", ignore_result=True)
def process_inbound_events() -> int:
    handled = processing.process_all()
    processing_ran()  # let the next stored event wake a fresh run
    return handled
