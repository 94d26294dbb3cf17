"""Model building blocks shared by the apps, and the background jobs' tables."""

from django.db import models


class ScheduledWork(models.Model):
    """A row a worker acts on later: the fields ``core.sweeper`` reads to find due work.

    ``next_attempt_at`` says when it is due, ``enqueued_at`` when a queue message was last sent
    for it (a wake-up that may be lost), ``lease_expires_at`` until when a worker holds it.
    """

    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """A Celery worker saying it is connected and consuming: refreshed every few seconds by
    ``core.worker.Heartbeat`` while its consumer runs, read by ``/health``. In the database,
    not Redis, so it is shared in the embedded default too and outlives a Redis restart."""

    hostname = models.CharField(max_length=255, unique=True)
    pid = models.PositiveIntegerField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.hostname} (pid {self.pid}) at {self.beat_at:%Y-%m-%d %H:%M:%S}"


from core.jobs.models import Job, JobItem, JobStatus  # noqa: E402 - they build on ScheduledWork

__all__ = ["Job", "JobItem", "JobStatus", "ScheduledWork", "WorkerHeartbeat"]
