"""Celery discovers tasks here; they live beside the code they drive."""

from webhooks.inbound.tasks import process_inbound_events
from webhooks.outbound.tasks import deliver_batch, sweep_deliveries

__all__ = ["deliver_batch", "process_inbound_events", "sweep_deliveries"]
