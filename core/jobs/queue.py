"""The one module that knows the job tasks' names. Jobs are enqueued when the transaction that
wrote them commits; a lost message only delays a job (the sweeper sends another)."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from django.db import transaction

log = structlog.get_logger(__name__)


def enqueue_job(job_id) -> None:
    transaction.on_commit(lambda: _send(job_id))


def enqueue_jobs(job_ids: Sequence) -> None:
    """For the sweeper, outside any transaction of its own."""
    for job_id in job_ids:
        _send(job_id)


def _send(job_id) -> None:
    from core.jobs.tasks import run_job

    try:
        run_job.delay(str(job_id))
    except Exception as exc:  # broker down: the sweeper finds the job in the database
        log.warning("job enqueue failed", job_id=str(job_id), error=str(exc))
