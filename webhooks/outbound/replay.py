"""Sending dead letters and failed deliveries again: one now, or many as a background job.

One delivery is replayed in the request. Many (a time range, seed 004's "retry everything
failed", the admin's selection) are a job of kind ``deliveries.replay``: the request records
it and answers, and a worker replays chunk by chunk (``core.jobs``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.jobs import services as jobs
from core.jobs.kinds import ChunkOutcome, JobKind
from core.jobs.models import Job
from tenants.models import Tenant
from webhooks.outbound import dispatch, selectors
from webhooks.outbound.models import Delivery, DeliveryStatus, Subscription

REPLAYABLE = [DeliveryStatus.FAILED, DeliveryStatus.DEAD]
REPLAY_JOB = "deliveries.replay"


def replay_delivery(*, delivery: Delivery) -> Delivery:
    """Give one delivery a fresh round of attempts, now."""
    replay_deliveries(Delivery.objects.filter(pk=delivery.pk))
    delivery.refresh_from_db()
    return delivery


def start_dead_letter_replay(
    *,
    tenant: Tenant,
    requested_by: str,
    subscription: Subscription | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Job:
    """Recover the dead letters that died in a time range, optionally of one subscription."""
    return jobs.start_job(
        kind=REPLAY_JOB,
        tenant=tenant,
        requested_by=requested_by,
        parameters={
            "statuses": [DeliveryStatus.DEAD],
            "subscription": str(subscription.pk) if subscription else None,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
    )


def start_retry_failed(*, tenant: Tenant, requested_by: str) -> Job:
    """Seed 004's retry: re-drive failed (retry pending) and dead deliveries now."""
    return jobs.start_job(
        kind=REPLAY_JOB,
        tenant=tenant,
        requested_by=requested_by,
        parameters={"statuses": REPLAYABLE},
    )


def start_replay_of(*, deliveries: QuerySet[Delivery], requested_by: str) -> Job:
    """The admin's selection (of any tenants): its failed and dead deliveries."""
    return jobs.start_job(kind=REPLAY_JOB, tenant=None, requested_by=requested_by, rows=deliveries)


@transaction.atomic
def replay_deliveries(deliveries: QuerySet[Delivery]) -> int:
    """Turn the failed and dead deliveries among ``deliveries`` pending, due now, with their
    attempts reset; return how many. Rows another transaction holds are skipped."""
    now = timezone.now()
    ids = list(
        deliveries.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=REPLAYABLE)
        .values_list("id", flat=True)
    )
    Delivery.objects.filter(id__in=ids).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        enqueued_at=now,
        dead_at=None,
        updated_at=now,
    )
    if ids:
        transaction.on_commit(dispatch.wake)  # they are due now: a drainer claims them
    return len(ids)


def _rows_to_replay(job: Job) -> QuerySet[Delivery]:
    parameters = job.parameters
    return selectors.problem_deliveries(
        tenant=job.tenant,
        statuses=parameters["statuses"],
        subscription_id=parameters.get("subscription"),
        since=_when(parameters.get("since")),
        until=_when(parameters.get("until")),
    )


def _replay_chunk(delivery_ids: Sequence) -> ChunkOutcome:
    replayed = replay_deliveries(Delivery.objects.filter(pk__in=delivery_ids))
    return ChunkOutcome(done=replayed, skipped=len(delivery_ids) - replayed)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


REPLAY = JobKind(
    name=REPLAY_JOB,
    label="Replay failed and dead deliveries",
    apply=_replay_chunk,
    select=_rows_to_replay,
)
