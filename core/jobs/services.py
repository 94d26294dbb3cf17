"""Starting jobs and running them on a worker, chunk by chunk.

A run claims the job with a conditional UPDATE and a lease, picks its rows if it was started
from parameters, then applies chunks of ``JOB_CHUNK_SIZE`` items. Each chunk, its counts and the
cursor commit together under a lock on the job row, and renew the lease; so a worker that dies
leaves the job "running" with a lease that runs out, the sweeper enqueues it again, and the
next run carries on after the last committed chunk.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core import sweeper
from core.jobs import kinds, queue
from core.jobs.models import Job, JobItem, JobStatus
from tenants.models import Tenant

log = structlog.get_logger(__name__)
SWEEP_LIMIT = 100


class _TakenOver(Exception):
    """Another run holds the job now (this one's lease ran out while it worked)."""


@transaction.atomic
def start_job(
    *,
    kind: str,
    tenant: Tenant | None,
    requested_by: str,
    parameters: dict | None = None,
    rows: QuerySet | None = None,
) -> Job:
    """Record a job and enqueue it when the caller's transaction commits.

    With ``rows`` (the admin's selection) their keys are copied into the job now, in one
    statement; without, the job's kind picks them from ``parameters`` on the worker.
    """
    if rows is None and kinds.get(kind).select is None:
        raise ValueError(f"jobs of kind {kind!r} need their rows")
    now = timezone.now()
    job = Job.objects.create(
        kind=kind,
        tenant=tenant,
        requested_by=requested_by[:150],
        parameters=parameters or {},
        next_attempt_at=now,
        enqueued_at=now,
    )
    if rows is not None:
        job.total = _copy_rows(job, rows)
        job.save(update_fields=["total"])
    queue.enqueue_job(job.pk)
    return job


def _copy_rows(job: Job, rows: QuerySet) -> int:
    # INSERT ... SELECT: a selection of any size costs one statement, and no key passes
    # through Python. Django has no INSERT ... SELECT, hence the SQL around the ORM's query.
    select_sql, params = rows.order_by().values_list("pk").query.sql_with_params()
    job_id = JobItem._meta.get_field("job").get_db_prep_value(job.pk, connection)
    table = connection.ops.quote_name(JobItem._meta.db_table)
    insert = f"INSERT INTO {table} (job_id, object_id) SELECT %s, p.* FROM ({select_sql}) p"
    with connection.cursor() as cursor:
        cursor.execute(insert, [job_id, *params])
        return cursor.rowcount


def run_job(*, job_id) -> Job | None:
    """Run a job to its end; None when another run holds it or it has ended."""
    job = _claim(job_id)
    if job is None:
        return None
    log.info("job running", job_id=str(job.pk), kind=job.kind)
    try:
        kind = kinds.get(job.kind)
        if job.total is None:
            _pick_rows(job, kind)
        while _apply_next_chunk(job, kind):
            pass
    except _TakenOver:
        log.info("job taken over by another run", job_id=str(job.pk))
    except Exception as exc:
        log.exception("job failed", job_id=str(job.pk), kind=job.kind)
        _fail(job, exc)
    job.refresh_from_db()
    return job


def _claim(job_id) -> Job | None:
    now = timezone.now()
    claimable = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED) | Job.objects.filter(
        pk=job_id, status=JobStatus.RUNNING, lease_expires_at__lte=now
    )
    claimed = claimable.update(
        status=JobStatus.RUNNING,
        lease_expires_at=_lease_end(now),
        started_at=Coalesce(F("started_at"), Value(now)),
        updated_at=now,
    )
    return Job.objects.get(pk=job_id) if claimed else None


def _lease_end(now):
    return now + timedelta(seconds=settings.JOB_LEASE_SECONDS)


def _locked(job: Job) -> Job:
    """The job row, locked, if this run still holds it (the cursor is where it left it)."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if (
        locked.status != JobStatus.RUNNING
        or locked.cursor != job.cursor
        or locked.total != job.total
    ):
        raise _TakenOver()
    return locked


def _pick_rows(job: Job, kind: kinds.JobKind) -> None:
    with transaction.atomic():
        _locked(job)
        total = _copy_rows(job, kind.select(job))
        Job.objects.filter(pk=job.pk).update(
            total=total, lease_expires_at=_lease_end(timezone.now())
        )
    job.total = total


def _apply_next_chunk(job: Job, kind: kinds.JobKind) -> bool:
    """Apply the next chunk; False once there is none left (the job has succeeded)."""
    with transaction.atomic():
        _locked(job)
        items = list(
            JobItem.objects.filter(job=job, id__gt=job.cursor)
            .order_by("id")
            .values_list("id", "object_id")[: settings.JOB_CHUNK_SIZE]
        )
        now = timezone.now()
        if not items:
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.SUCCEEDED, finished_at=now, lease_expires_at=None, updated_at=now
            )
            log.info("job succeeded", job_id=str(job.pk), kind=job.kind, total=job.total)
            return False
        outcome = kind.apply([object_id for _id, object_id in items])
        changes = {
            "done": F("done") + outcome.done,
            "skipped": F("skipped") + outcome.skipped,
            "failed": F("failed") + outcome.failed,
            "cursor": items[-1][0],
            "lease_expires_at": _lease_end(now),
            "updated_at": now,
        }
        if outcome.error:
            changes["error"] = outcome.error[:2000]
        Job.objects.filter(pk=job.pk).update(**changes)
        # Applied items go with their chunk: what a finished job keeps is its counts.
        JobItem.objects.filter(job=job, id__lte=items[-1][0]).delete()
    job.cursor = items[-1][0]
    return True


@transaction.atomic
def _fail(job: Job, exc: Exception) -> None:
    """The chunk that raised was rolled back; the job stops there, with the reason."""
    now = timezone.now()
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED,
        error=f"{type(exc).__name__}: {exc}"[:2000],
        finished_at=now,
        lease_expires_at=None,
        updated_at=now,
    )
    JobItem.objects.filter(job=job).delete()


def sweep(*, limit: int = SWEEP_LIMIT) -> int:
    """Enqueue queued jobs whose message was lost and running jobs whose worker died."""
    count = sweeper.sweep(
        Job,
        waiting=[JobStatus.QUEUED],
        in_flight=JobStatus.RUNNING,
        reenqueue_after=settings.JOB_LEASE_SECONDS,
        enqueue=queue.enqueue_jobs,
        limit=limit,
    )
    if count:
        log.info("sweeper enqueued jobs", jobs=count)
    return count
