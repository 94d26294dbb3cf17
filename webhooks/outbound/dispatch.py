"""Getting due deliveries to a worker: a wake-up after publish, and the beat sweeper.

The database is the source of truth. A broker message is only a wake-up: ``deliver_due`` (no
arguments) has a worker claim whatever is due, the sweeper's ``deliver_batch`` carries ids.
A lost one (FLUSHALL, a killed worker) delays a delivery until the next wake-up or the
sweeper finds it, never loses it.

Wake-ups are coalesced through a shared flag, so a burst of publishes sends about one message
per batch a worker claims, not one per publish. The flag means "a drainer will look at the
table after now": ``wake`` sends a message only when it sets the flag, and a drainer clears it
right before every claim (``batch.deliver_due``). So a publish that finds the flag set has
committed before a claim that is still to come, and that claim sees its rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from django.conf import settings

from core import sweeper
from core.shared_state import clear_flag, set_flag
from webhooks.outbound.models import Delivery, DeliveryStatus

log = structlog.get_logger(__name__)

BATCH_SIZE = 20
SWEEP_LIMIT = 5000


WAKE_FLAG = "outbound:wake"
# How long a set flag holds back further wake-ups if its message is lost (or its drainer died
# before clearing it): after that, the next publish sends a fresh one.
WAKE_FLAG_SECONDS = 2


def wake() -> None:
    """Have a worker claim due deliveries soon; a broker outage is logged, not raised."""
    # Without Redis the flag would live in each process's own memory, where a worker's clear
    # can't reach the publisher's flag: then every wake-up sends its message.
    if settings.REDIS_URL and not set_flag(WAKE_FLAG, seconds=WAKE_FLAG_SECONDS):
        return  # a drainer is on its way and will claim after this commit
    from webhooks.outbound.tasks import deliver_due

    try:
        deliver_due.delay()
    except Exception as exc:  # broker down: the sweeper will find the rows
        log.warning("delivery wake-up failed", error=str(exc))


def before_claim() -> None:
    """A drainer is about to look: publishes that commit from now on must wake another."""
    if settings.REDIS_URL:
        clear_flag(WAKE_FLAG)


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
