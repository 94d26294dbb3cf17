"""Getting due deliveries onto the queue: right after publish, and by the beat sweeper.

The database is the source of truth. A broker message is only a wake-up carrying ids, so a
lost one (FLUSHALL, a killed worker) delays a delivery until the sweeper re-enqueues it.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from django.conf import settings

from core import sweeper
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


def sweep(*, limit: int = SWEEP_LIMIT) -> int:
    """Enqueue due and stuck deliveries; return how many."""
    count = sweeper.sweep(
        Delivery,
        waiting=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        in_flight=DeliveryStatus.IN_FLIGHT,
        reenqueue_after=settings.OUTBOUND_REENQUEUE_AFTER_SECONDS,
        enqueue=enqueue,
        limit=limit,
    )
    if count:
        log.info("sweeper enqueued deliveries", deliveries=count)
    return count
