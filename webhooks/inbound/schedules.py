"""The beat schedule inbound processing needs (see core.schedules)."""

from django.conf import settings

from core.schedules import ensure_interval_task


def ensure_processing_schedule(**kwargs) -> None:
    ensure_interval_task(
        name="Inbound webhooks: process pending events",
        task="webhooks.process_inbound_events",
        every_seconds=settings.OUTBOUND_SWEEP_INTERVAL_SECONDS,
    )
