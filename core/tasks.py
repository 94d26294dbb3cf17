"""Celery discovers tasks here; they live beside the code they drive."""

from core.jobs.tasks import run_job, sweep_jobs

__all__ = ["run_job", "sweep_jobs"]
