"""Delivering one delivery: claim it, send it, record the attempt and decide what's next."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from core import http
from webhooks.outbound import event_types, health, metrics
from webhooks.outbound.message import OutboundRequest, build_request
from webhooks.outbound.models import Delivery, DeliveryAttempt, DeliveryStatus, Subscription
from webhooks.outbound.retry import Outcome, classify, next_delay, parse_retry_after

log = structlog.get_logger(__name__)
_sessions = threading.local()


@dataclass(frozen=True)
class Response:
    status_code: int | None
    body: str
    retry_after: str | None
    error: str
    duration: float
    refused: bool = False


def deliver(*, delivery_id) -> Delivery | None:
    """Attempt one delivery if it is due and nobody else holds it; None if it wasn't ours."""
    claimed = claim_many(delivery_ids=[delivery_id])
    if not claimed:
        return None
    delivery = claimed[0]
    request = prepare(delivery)
    if request is None:
        return delivery
    response = send(request, timeout=delivery.subscription.timeout_seconds)
    return record(delivery, request, response)


def prepare(delivery: Delivery) -> OutboundRequest | None:
    """The request to send, or None when the delivery was settled without one: its
    subscription is disabled (held until it is enabled again) or its circuit is open
    (postponed)."""
    now = timezone.now()
    subscription = delivery.subscription
    if not subscription.enabled:
        _finish(delivery, DeliveryStatus.HELD)
        return None
    hold_until = health.circuit_hold(subscription, now=now)
    if hold_until is not None:
        _postpone(delivery, until=hold_until)
        return None
    return build_request(delivery, now=now)


def claimable(now) -> Q:
    waiting = Q(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now
    )
    return waiting | Q(status=DeliveryStatus.IN_FLIGHT, lease_expires_at__lte=now)


def claim_many(*, delivery_ids) -> list[Delivery]:
    """Take the due ones among ``delivery_ids`` (what a sweeper message names) with a lease."""
    return _claim(lambda now: claimable(now) & Q(pk__in=list(delivery_ids)), order_by="created_at")


def claim_due(*, limit: int) -> list[Delivery]:
    """Take up to ``limit`` of the deliveries waiting whose time has come, oldest first.
    Those whose worker died (lease expired) are left to the sweeper."""
    waiting = [DeliveryStatus.PENDING, DeliveryStatus.FAILED]
    return _claim(
        lambda now: Q(status__in=waiting, next_attempt_at__lte=now),
        order_by="next_attempt_at",
        limit=limit,
    )


def _claim(condition, *, order_by: str, limit: int | None = None) -> list[Delivery]:
    """Lease the rows matching ``condition(now)``: rows other workers hold are skipped, not
    waited for; each subscription is loaded (and its secret decrypted) once."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS)
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(condition(now))
            .order_by(order_by)[:limit]
        )
        if not rows:
            return []
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=DeliveryStatus.IN_FLIGHT, lease_expires_at=lease, updated_at=now
        )
    subscriptions = Subscription.objects.in_bulk({row.subscription_id for row in rows})
    for row in rows:
        row.status, row.lease_expires_at = DeliveryStatus.IN_FLIGHT, lease
        row.subscription = subscriptions[row.subscription_id]
    return rows


def release(deliveries: list[Delivery]) -> None:
    """Hand claimed, unsent deliveries back, due as they were, for any worker to claim."""
    Delivery.objects.filter(
        pk__in=[d.pk for d in deliveries], status=DeliveryStatus.IN_FLIGHT
    ).update(
        status=Case(
            When(attempts=0, then=Value(DeliveryStatus.PENDING)),
            default=Value(DeliveryStatus.FAILED),
        ),
        lease_expires_at=None,
        updated_at=timezone.now(),
    )


def _session() -> requests.Session:
    """One keep-alive session per worker thread."""
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = http.outbound_session()
    return session


def send(request: OutboundRequest, *, timeout: float) -> Response:
    started = time.monotonic()
    try:
        raw = http.post(
            _session(), request.url, data=request.body, headers=request.headers, timeout=timeout
        )
    except http.TargetNotAllowed as exc:
        return Response(None, "", None, str(exc), time.monotonic() - started, refused=True)
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
        return Response(None, "", None, error[:2000], time.monotonic() - started)
    duration = time.monotonic() - started
    body = raw.content[: settings.OUTBOUND_RESPONSE_BODY_LIMIT].decode("utf-8", "replace")
    error = "" if 200 <= raw.status_code < 300 else f"HTTP {raw.status_code}"
    return Response(raw.status_code, body, raw.headers.get("Retry-After"), error, duration)


def record(delivery: Delivery, request: OutboundRequest, response: Response) -> Delivery:
    now = timezone.now()
    outcome = Outcome.REJECTED if response.refused else classify(response.status_code)
    metrics.ATTEMPT_DURATION.observe(response.duration)
    with transaction.atomic():
        attempt_row(delivery, request, response).save()
        delivery.attempts += 1
        delivery.total_attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = response.status_code
        delivery.last_error = response.error
        _apply_outcome(delivery, outcome, response, now=now)
    return delivery


def attempt_row(
    delivery: Delivery, request: OutboundRequest, response: Response
) -> DeliveryAttempt:
    return DeliveryAttempt(
        delivery=delivery,
        number=request.attempt_number,
        request_headers=request.loggable_headers(set(delivery.subscription.headers or {})),
        response_status=response.status_code,
        response_body=response.body,
        duration_ms=int(response.duration * 1000),
        error=response.error,
    )


def _apply_outcome(delivery: Delivery, outcome: Outcome, response: Response, *, now) -> None:
    subscription = delivery.subscription
    if outcome is Outcome.SUCCEEDED:
        health.record_success(subscription, now=now)
        _finish(delivery, DeliveryStatus.SUCCEEDED, succeeded_at=now)
        metrics.DELIVERY_OUTCOMES.labels(outcome="succeeded").inc()
        return
    health.record_failure(subscription, now=now)
    if outcome is Outcome.GONE:
        health.disable(subscription, reason="endpoint answered 410 Gone", now=now)
    if outcome is Outcome.RETRY and delivery.attempts < subscription.max_attempts:
        if not subscription.enabled:  # this failure disabled it: held with the rest
            _finish(delivery, DeliveryStatus.HELD)
            return
        _schedule_retry(delivery, response, now=now)
        return
    reason = _dead_reason(outcome, response)
    _finish(delivery, DeliveryStatus.DEAD, dead_at=now)
    _on_dead(delivery, reason=reason)


def _dead_reason(outcome: Outcome, response: Response) -> str:
    if response.refused:
        return "refused"
    return {Outcome.GONE: "gone", Outcome.REJECTED: "rejected"}.get(outcome, "exhausted")


def _schedule_retry(delivery: Delivery, response: Response, *, now: datetime) -> None:
    delay = next_delay(
        attempt=delivery.attempts,
        schedule=settings.OUTBOUND_RETRY_SCHEDULE,
        retry_after=parse_retry_after(response.retry_after, now=now),
        retry_after_cap=settings.OUTBOUND_RETRY_AFTER_MAX_SECONDS,
    )
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    _finish(delivery, DeliveryStatus.FAILED)
    metrics.DELIVERY_OUTCOMES.labels(outcome="retry").inc()
    metrics.RETRIES_SCHEDULED.inc()


_PROGRESS_FIELDS = [
    "status", "attempts", "total_attempts", "next_attempt_at", "enqueued_at", "lease_expires_at",
    "last_attempt_at", "last_status_code", "last_error", "succeeded_at", "dead_at", "updated_at",
]  # fmt: skip


def _finish(delivery: Delivery, status: str, **timestamps) -> None:
    delivery.status = status
    if status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD):
        delivery.next_attempt_at = None
    delivery.lease_expires_at = None
    delivery.enqueued_at = None
    for name, value in timestamps.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=_PROGRESS_FIELDS)


def _on_dead(delivery: Delivery, *, reason: str) -> None:
    """Count it, log it, and tell subscribers of ``delivery.dead`` (never about themselves)."""
    from webhooks.outbound.publishing import publish

    metrics.DELIVERY_OUTCOMES.labels(outcome="dead").inc()
    metrics.DEAD_LETTERS.labels(reason=reason).inc()
    event = delivery.event
    log.warning(
        "delivery dead",
        delivery_id=str(delivery.id),
        event_id=str(event.id),
        tenant_id=str(delivery.tenant_id),
        subscription_id=str(delivery.subscription_id),
        reason=reason,
    )
    if event.event_type == event_types.DELIVERY_DEAD:
        return
    publish(
        delivery.tenant,
        event_types.DELIVERY_DEAD,
        {
            "delivery_id": str(delivery.id),
            "event_id": str(event.id),
            "event_type": event.event_type,
            "subscription_id": str(delivery.subscription_id),
            "url": delivery.subscription.url,
            "attempts": delivery.total_attempts,
            "last_status_code": delivery.last_status_code,
            "last_error": delivery.last_error,
            "reason": reason,
        },
        idempotency_key=f"delivery.dead:{delivery.id}:{delivery.total_attempts}",
    )


def _postpone(delivery: Delivery, *, until: datetime) -> Delivery:
    """Put a due delivery back without spending an attempt; the sweeper picks it up later."""
    delivery.next_attempt_at = until + timedelta(seconds=random.uniform(0, 1))
    status = DeliveryStatus.FAILED if delivery.attempts else DeliveryStatus.PENDING
    _finish(delivery, status)
    metrics.CIRCUIT_POSTPONED.inc()
    return delivery
