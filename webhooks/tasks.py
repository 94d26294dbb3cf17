"""Celery discovers tasks here; they live beside the code they drive."""

from webhooks.outbound.tasks import deliver_batch, sweep_deliveries

__all__ = ["deliver_batch", "sweep_deliveries"]
