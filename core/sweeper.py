"""Re-enqueueing work the database says is due: the other half of "broker messages are only
wake-ups". Rows carry ``status``, ``next_attempt_at``, ``enqueued_at`` and ``lease_expires_at``;
a row is due when it waits and its time has come (and no recent message is on its way), or
when the worker holding it let its lease expire (it died)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.db.models import Model, Q
from django.utils import timezone


def due(*, waiting: Sequence[str], in_flight: str, reenqueue_after: int, now: datetime) -> Q:
    stale = now - timedelta(seconds=reenqueue_after)
    waiting_and_due = Q(status__in=list(waiting), next_attempt_at__lte=now) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=stale)
    )
    abandoned = Q(status=in_flight, lease_expires_at__lte=now)
    return waiting_and_due | abandoned


def sweep(
    model: type[Model],
    *,
    waiting: Sequence[str],
    in_flight: str,
    reenqueue_after: int,
    enqueue: Callable[[list], None],
    limit: int = 5000,
) -> int:
    """Mark due rows as enqueued now and hand their ids to ``enqueue``; return how many."""
    now = timezone.now()
    condition = due(waiting=waiting, in_flight=in_flight, reenqueue_after=reenqueue_after, now=now)
    ids = list(
        model._default_manager.filter(condition)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        model._default_manager.filter(pk__in=ids).update(enqueued_at=now)
        enqueue(ids)
    return len(ids)
