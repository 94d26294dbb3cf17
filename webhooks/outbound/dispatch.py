"""Getting due deliveries onto the queue: right after publish, and by the beat sweeper.

The database is the source of truth. A broker message is only a wake-up carrying ids, so a
lost one (FLUSHALL, a killed worker) delays a delivery until the sweeper re-enqueues it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import structlog
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from webhooks.outbound.models import Delivery, DeliveryStatus

log = structlog.get_logger(__name__)

BATCH_SIZE = 20
SWEEP_LIMIT = 5000


def enqueue(delivery_ids: Sequence) -> None:
    """Send delivery tasks in small batches; a broker outage is logged, not raised."""
    from webhooks.outbound.tasks import deliver_batch

    ids = [str(delivery_id) for delivery_id in delivery_ids]
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        try:
            deliver_batch.delay(chunk)
        except Exception as exc:  # broker down: the sweeper will find these rows
            log.warning("delivery enqueue failed", deliveries=len(chunk), error=str(exc))
            return


def due_deliveries(*, now=None) -> Q:
    """Deliveries whose time has come and that no worker holds or was recently sent."""
    now = now or timezone.now()
    stale_enqueue = now - timedelta(seconds=settings.OUTBOUND_REENQUEUE_AFTER_SECONDS)
    waiting = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) & Q(
        next_attempt_at__lte=now
    )
    not_recently_enqueued = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=stale_enqueue)
    lease_expired = Q(status=DeliveryStatus.IN_FLIGHT, lease_expires_at__lte=now)
    return (waiting & not_recently_enqueued) | lease_expired


def sweep(*, limit: int = SWEEP_LIMIT) -> int:
    """Enqueue due and stuck deliveries; return how many."""
    now = timezone.now()
    ids = list(
        Delivery.objects.filter(due_deliveries(now=now))
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    if not ids:
        return 0
    Delivery.objects.filter(id__in=ids).update(enqueued_at=now)
    enqueue(ids)
    log.info("sweeper enqueued deliveries", deliveries=len(ids))
    return len(ids)
