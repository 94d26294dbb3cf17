"""Celery tasks for inbound processing: thin; the work is in ``processing``."""

from celery import shared_task

from core.shared_state import clear_flag
from webhooks.inbound import processing
from webhooks.inbound.receiving import WAKEUP_KEY


@shared_task(name="webhooks.process_inbound_events", ignore_result=True)
def process_inbound_events() -> int:
    handled = processing.process_all()
    clear_flag(WAKEUP_KEY)  # let the next request wake a fresh run
    return handled
