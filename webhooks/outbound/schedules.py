"""The beat schedule the outbound flow needs (see core.schedules)."""

from django.conf import settings

from core.schedules import ensure_interval_task

SWEEPER_NAME = "Outbound webhooks: re-enqueue due and stuck deliveries"


def ensure_sweeper_schedule(**kwargs) -> None:
    ensure_interval_task(
        name=SWEEPER_NAME,
        task="webhooks.sweep_deliveries",
        every_seconds=settings.OUTBOUND_SWEEP_INTERVAL_SECONDS,
    )
