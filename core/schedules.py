"""Beat schedules the hub needs, created in django-celery-beat after migrate.

Each is only created when missing: once it exists, ops own it in the admin (interval, enabled).
"""

from __future__ import annotations


def ensure_interval_task(*, name: str, task: str, every_seconds: int) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    if PeriodicTask.objects.filter(name=name).exists():
        return
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=every_seconds, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(name=name, task=task, interval=interval)
