"""Sending stored events back through processing (the admin's "Reprocess"), as a background
job of kind ``inbound_events.reprocess``: a selection may be every event of a provider."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from core.jobs import services as jobs
from core.jobs.kinds import ChunkOutcome, JobKind
from core.jobs.models import Job
from webhooks.inbound.models import InboundEvent, InboundStatus
from webhooks.inbound.wakeup import wake_processor

REPROCESS_JOB = "inbound_events.reprocess"


def start_reprocessing(*, events: QuerySet[InboundEvent], requested_by: str) -> Job:
    return jobs.start_job(kind=REPROCESS_JOB, tenant=None, requested_by=requested_by, rows=events)


def reprocess(*, event_ids: Sequence) -> int:
    """Put these events back to pending with their attempts reset; return how many."""
    count = InboundEvent.objects.filter(pk__in=event_ids).update(
        status=InboundStatus.PENDING, attempts=0, error="", processed_at=None
    )
    if count:
        wake_processor()  # when the chunk commits
    return count


def _reprocess_chunk(event_ids: Sequence) -> ChunkOutcome:
    reprocessed = reprocess(event_ids=event_ids)
    return ChunkOutcome(done=reprocessed, skipped=len(event_ids) - reprocessed)  # deleted since


REPROCESS = JobKind(name=REPROCESS_JOB, label="Reprocess inbound events", apply=_reprocess_chunk)
