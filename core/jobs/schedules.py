"""The beat schedule jobs need (see core.schedules)."""

from django.conf import settings

from core.schedules import ensure_interval_task

SWEEPER_NAME = "Jobs: re-enqueue lost and abandoned jobs"


def ensure_sweeper_schedule(**kwargs) -> None:
    ensure_interval_task(
        name=SWEEPER_NAME,
        task="core.sweep_jobs",
        every_seconds=settings.JOB_SWEEP_INTERVAL_SECONDS,
    )
