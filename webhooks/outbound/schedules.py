"""The beat schedule the outbound flow needs, created in django-celery-beat after migrate.

Only created when missing: once it exists, ops own it in the admin (interval, enabled).
"""

from django.conf import settings

SWEEPER_NAME = "Outbound webhooks: re-enqueue due and stuck deliveries"


def ensure_sweeper_schedule(**kwargs) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    if PeriodicTask.objects.filter(name=SWEEPER_NAME).exists():
        return
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=settings.OUTBOUND_SWEEP_INTERVAL_SECONDS, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(
        name=SWEEPER_NAME, task="webhooks.sweep_deliveries", interval=interval
    )
