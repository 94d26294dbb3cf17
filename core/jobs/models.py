"""A bulk operation's record and the rows it was asked to act on.

A job acts on ``JobItem`` rows, picked once (when it is started, or by its first run) and then
worked through in id order; ``cursor`` is the last item applied, advanced in the transaction
that applies the chunk, so a worker that dies mid-way leaves a job that resumes where it
stopped and never applies a chunk twice.
"""

from __future__ import annotations

import uuid

from django.db import models

from core.models import ScheduledWork
from tenants.models import Tenant


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Job(ScheduledWork):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Jobs started in the admin may span tenants: they have none, and only the admin shows them.
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    kind = models.CharField(max_length=80)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    parameters = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Rows picked; empty until the job has picked them."
    )
    done = models.PositiveIntegerField(default=0, help_text="Rows acted on.")
    skipped = models.PositiveIntegerField(
        default=0, help_text="Rows left alone (no longer in a state the job acts on)."
    )
    failed = models.PositiveIntegerField(default=0, help_text="Rows whose action raised an error.")
    cursor = models.BigIntegerField(default=0, help_text="The last item applied.")
    error = models.TextField(blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.failed


class JobItem(models.Model):
    """One row a job acts on, by primary key (every model jobs act on has a UUID key)."""

    id = models.BigAutoField(primary_key=True)
    # The (job, id) index below serves the foreign key too.
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items", db_index=False)
    object_id = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["job", "id"])]

    def __str__(self) -> str:
        return f"{self.object_id} of job {self.job_id}"
