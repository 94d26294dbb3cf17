"""Celery tasks for jobs: thin; the work is in ``core.jobs.services``. No autoretry: a run that
dies is found by the sweeper through its lease."""

from celery import shared_task

from core.jobs import services


@shared_task(name="core.run_job", ignore_result=True)
def run_job(job_id: str) -> None:
    services.run_job(job_id=job_id)


@shared_task(name="core.sweep_jobs", ignore_result=True)
def sweep_jobs() -> int:
    return services.sweep()
