"""Disabled means settled: a disabled subscription's deliveries are held, not left pending.

Disabling a subscription (the API, the admin, a 410 Gone, days of failure) moves its
deliveries that were waiting to go (pending, or a retry scheduled) to ``held``: no worker
claims them, the sweeper leaves them alone, and no attempt is spent. Re-enabling it makes
them due at once, with the attempts they had left, and wakes a worker. A delivery a worker
claims after the disable (a publish that raced it) is held the same way by ``prepare``.
Deleting the subscription deletes what it holds.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from webhooks.outbound import dispatch
from webhooks.outbound.models import Delivery, DeliveryStatus

WAITING = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


def hold_waiting(*, subscription_id) -> int:
    """Hold the subscription's waiting deliveries; how many."""
    return Delivery.objects.filter(subscription_id=subscription_id, status__in=WAITING).update(
        status=DeliveryStatus.HELD, enqueued_at=None, updated_at=timezone.now()
    )


def resume_held(*, subscription_id) -> int:
    """Make the subscription's held deliveries due now, as they were before (a first try or a
    retry); how many. A worker is woken when the caller's transaction commits."""
    now = timezone.now()
    resumed = Delivery.objects.filter(
        subscription_id=subscription_id, status=DeliveryStatus.HELD
    ).update(
        status=Case(
            When(attempts=0, then=Value(DeliveryStatus.PENDING)),
            default=Value(DeliveryStatus.FAILED),
        ),
        next_attempt_at=now,
        enqueued_at=None,
        lease_expires_at=None,
        updated_at=now,
    )
    if resumed:
        transaction.on_commit(dispatch.wake)
    return resumed
