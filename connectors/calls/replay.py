"""Running failed connector calls again: a fresh round of attempts, now. The admin's bulk
replay is a background job of kind ``connector_calls.replay`` (a selection may be every call
that failed during an outage)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from connectors.calls.execute import enqueue
from connectors.models import CallStatus, ConnectorCall
from core.jobs import services as jobs
from core.jobs.kinds import ChunkOutcome, JobKind
from core.jobs.models import Job

REPLAY_JOB = "connector_calls.replay"


def start_replay_of(*, calls: QuerySet[ConnectorCall], requested_by: str) -> Job:
    """The admin's selection (of any tenants): its failed calls."""
    return jobs.start_job(kind=REPLAY_JOB, tenant=None, requested_by=requested_by, rows=calls)


@transaction.atomic
def replay_calls(calls: QuerySet[ConnectorCall]) -> int:
    """Turn the failed calls among ``calls`` pending with their attempts reset, enqueue them when
    the transaction commits, and return how many. Calls in any other status are left alone; rows
    another transaction holds are skipped (it is running or replaying them)."""
    now = timezone.now()
    ids = list(
        calls.select_for_update(skip_locked=True, of=("self",))
        .filter(status=CallStatus.FAILED)
        .values_list("id", flat=True)
    )
    ConnectorCall.objects.filter(id__in=ids).update(
        status=CallStatus.PENDING,
        attempts=0,
        retries=0,
        error="",
        response=None,
        finished_at=None,
        lease_expires_at=None,
        next_attempt_at=now,
        enqueued_at=now,
        updated_at=now,
    )
    for call_id in ids:
        transaction.on_commit(partial(enqueue, call_id))
    return len(ids)


def _replay_chunk(call_ids: Sequence) -> ChunkOutcome:
    replayed = replay_calls(ConnectorCall.objects.filter(pk__in=call_ids))
    return ChunkOutcome(done=replayed, skipped=len(call_ids) - replayed)


REPLAY = JobKind(name=REPLAY_JOB, label="Replay failed connector calls", apply=_replay_chunk)
