"""Delivering a batch of deliveries (what one task message carries): claimed together, sent
one by one on a keep-alive session, successes recorded together. Anything but a success
takes the one-at-a-time path of ``delivery.record``, with its retries and dead letters."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from webhooks.outbound import health, metrics
from webhooks.outbound.delivery import (
    Response,
    attempt_row,
    claim_many,
    prepare,
    record,
    send,
)
from webhooks.outbound.message import OutboundRequest
from webhooks.outbound.models import Delivery, DeliveryAttempt, DeliveryStatus
from webhooks.outbound.retry import Outcome, classify

Sent = tuple[Delivery, OutboundRequest, Response]


def deliver_many(*, delivery_ids) -> int:
    """Deliver the due ones among ``delivery_ids``; return how many were claimed."""
    claimed = claim_many(delivery_ids=delivery_ids)
    renewed_at = time.monotonic()
    sent: list[Sent] = []
    for index, delivery in enumerate(claimed):
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
    return len(claimed)


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
        for subscription in {d.subscription_id: d.subscription for d, _, _ in successes}.values():
            health.record_success(subscription, now=now)
    metrics.DELIVERY_OUTCOMES.labels(outcome="succeeded").inc(len(successes))
