"""Worker heartbeats: what a worker writes while it consumes, and what ``/health`` reads."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.models import WorkerHeartbeat


def record_heartbeat(*, hostname: str, pid: int) -> None:
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"pid": pid, "beat_at": timezone.now()}
    )


def forget_heartbeat(*, hostname: str) -> None:
    """A worker stopping cleanly says so at once instead of ageing out."""
    WorkerHeartbeat.objects.filter(hostname=hostname).delete()


def live_worker_count(*, max_age_seconds: float) -> int:
    since = timezone.now() - timedelta(seconds=max_age_seconds)
    return WorkerHeartbeat.objects.filter(beat_at__gte=since).count()


def last_heartbeat_age() -> float | None:
    """Seconds since the freshest heartbeat of any worker; None when none was ever recorded."""
    latest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    return None if latest is None else (timezone.now() - latest).total_seconds()
