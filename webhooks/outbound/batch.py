"""Delivering deliveries in batches: claimed together, sent one by one on a keep-alive
session, successes recorded together. Anything but a success takes the one-at-a-time path
of ``delivery.record``, with its retries and dead letters.

``deliver_due`` is what a wake-up runs: it claims whatever is due, batch after batch, until
nothing is left; ``deliver_many`` takes the ids a sweeper message names."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from webhooks.outbound import dispatch, health, metrics
from webhooks.outbound.delivery import (
    Response,
    attempt_row,
    claim_due,
    claim_many,
    prepare,
    record,
    release,
    send,
)
from webhooks.outbound.message import OutboundRequest
from webhooks.outbound.models import Delivery, DeliveryAttempt, DeliveryStatus
from webhooks.outbound.retry import Outcome, classify

Sent = tuple[Delivery, OutboundRequest, Response]


# Claimed per round trip: large enough to spread the claim and the recording of outcomes
# over many deliveries, small enough that one slow receiver holds few others back.
DRAIN_BATCH = 25
# Sending a batch for longer than this (a slow or hanging receiver in it) hands the unsent
# rest back, so one receiver's timeouts delay few deliveries of others.
BATCH_BUDGET_SECONDS = 2.0
# A drainer hands over to a fresh task message after this many batches, so one task never
# keeps a worker thread from other queued work for long.
DRAIN_MAX_BATCHES = 40


def deliver_due(*, batch_size: int = DRAIN_BATCH, max_batches: int = DRAIN_MAX_BATCHES) -> int:
    """Claim and deliver due deliveries until none is left; return how many were claimed."""
    total = 0
    for _ in range(max_batches):
        dispatch.before_claim()
        claimed = claim_due(limit=batch_size)
        if len(claimed) == batch_size:
            dispatch.wake()  # probably more waiting: another worker thread joins in
        _deliver_claimed(claimed)
        total += len(claimed)
        if len(claimed) < batch_size:
            return total
    dispatch.wake()  # not drained yet: carry on in a fresh task
    return total


def deliver_many(*, delivery_ids) -> int:
    """Deliver the due ones among ``delivery_ids``; return how many were claimed."""
    claimed = claim_many(delivery_ids=delivery_ids)
    _deliver_claimed(claimed)
    return len(claimed)


def _deliver_claimed(claimed: list[Delivery]) -> None:
    started = renewed_at = time.monotonic()
    sent: list[Sent] = []
    for index, delivery in enumerate(claimed):
        if time.monotonic() - started > BATCH_BUDGET_SECONDS:
            _hand_back(claimed[index:])
            break
        renewed_at = _keep_lease(claimed[index:], renewed_at)
        request = prepare(delivery)
        if request is not None:
            sent.append(
                (delivery, request, send(request, timeout=delivery.subscription.timeout_seconds))
            )
    successes = []
    for item in sent:
        if _succeeded(item[2]):
            successes.append(item)
        else:
            record(*item)
    if successes:
        record_successes(successes)


def _hand_back(unsent: list[Delivery]) -> None:
    """A slow receiver has held this batch up: the rest goes to other worker threads rather
    than wait behind it."""
    release(unsent)
    dispatch.wake()


def _succeeded(response: Response) -> bool:
    return not response.refused and classify(response.status_code) is Outcome.SUCCEEDED


def _keep_lease(remaining: list[Delivery], renewed_at: float) -> float:
    """Slow receivers must not let the sweeper hand the rest of the batch to another worker."""
    if time.monotonic() - renewed_at < settings.OUTBOUND_LEASE_SECONDS / 2:
        return renewed_at
    lease = timezone.now() + timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS)
    Delivery.objects.filter(
        pk__in=[d.pk for d in remaining], status=DeliveryStatus.IN_FLIGHT
    ).update(lease_expires_at=lease)
    return time.monotonic()


def record_successes(successes: list[Sent]) -> None:
    """One attempt insert, one update per status code, one health stamp per subscription."""
    now = timezone.now()
    by_code: dict[int, list] = {}
    for delivery, _request, response in successes:
        by_code.setdefault(response.status_code, []).append(delivery.pk)
        metrics.ATTEMPT_DURATION.observe(response.duration)
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(
            [attempt_row(delivery, request, response) for delivery, request, response in successes]
        )
        for code, ids in by_code.items():
            Delivery.objects.filter(pk__in=ids).update(
                status=DeliveryStatus.SUCCEEDED,
                attempts=F("attempts") + 1,
                total_attempts=F("total_attempts") + 1,
                last_attempt_at=now,
                last_status_code=code,
                last_error="",
                succeeded_at=now,
                next_attempt_at=None,
                lease_expires_at=None,
                enqueued_at=None,
                updated_at=now,
            )
        # In key order: concurrent batches share subscriptions, and rows locked in differing
        # orders would deadlock.
        subscriptions = {d.subscription_id: d.subscription for d, _, _ in successes}
        for _pk, subscription in sorted(subscriptions.items()):
            health.record_success(subscription, now=now)
    metrics.DELIVERY_OUTCOMES.labels(outcome="succeeded").inc(len(successes))
