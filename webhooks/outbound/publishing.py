"""``publish``: the one way any app tells subscribers something happened (transactional outbox).

The event and its deliveries are written in the caller's transaction; delivery tasks are
enqueued only once it commits, carrying ids alone. If the broker loses them, the sweeper
finds the deliveries in the database and enqueues them again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenants.models import Tenant
from webhooks.outbound import event_types
from webhooks.outbound.errors import PayloadTooLarge, UnknownEventType
from webhooks.outbound.models import Delivery, DeliveryStatus, Event, Subscription

PublishListener = Callable[[Event], None]
_listeners: dict[str, list[PublishListener]] = {}


def on_publish(event_type: str, listener: PublishListener) -> None:
    """Run ``listener(event)`` inside the publishing transaction of every new ``event_type``
    event: how other apps act on hub events atomically (e.g. Slack on request_submitted)."""
    if listener not in _listeners.setdefault(event_type, []):
        _listeners[event_type].append(listener)


@dataclass(frozen=True)
class Published:
    event: Event
    deliveries: list[Delivery]
    created: bool


def publish(
    tenant: Tenant,
    event_type: str,
    payload: Any,
    idempotency_key: str | None = None,
    *,
    only_subscription: Subscription | None = None,
) -> Published:
    """Record ``event_type`` for ``tenant`` and a delivery to each matching enabled subscription.

    A repeated ``idempotency_key`` returns the first event and its deliveries, creating nothing.
    ``only_subscription`` addresses one subscription whatever its event filter (test events).
    """
    if not event_types.is_declared(event_type):
        raise UnknownEventType(event_type)
    check_payload_size(payload)
    with transaction.atomic():
        event, created = _create_event(tenant, event_type, payload, idempotency_key)
        if not created:
            return Published(event=event, deliveries=list(event.deliveries.all()), created=False)
        targets = [only_subscription] if only_subscription else matching_subscriptions(event)
        deliveries = _create_deliveries(event, targets)
        for listener in _listeners.get(event_type, ()):
            listener(event)
        transaction.on_commit(partial(enqueue_new, [d.id for d in deliveries]))
    return Published(event=event, deliveries=deliveries, created=True)


def check_payload_size(payload: Any) -> None:
    size = len(json.dumps(payload, separators=(",", ":")).encode())
    if size > settings.OUTBOUND_MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(size, settings.OUTBOUND_MAX_PAYLOAD_BYTES)


def matching_subscriptions(event: Event) -> list[Subscription]:
    # Only what matching needs: loading whole rows would decrypt every secret on every publish.
    candidates = Subscription.objects.filter(tenant_id=event.tenant_id, enabled=True).only(
        "id", "tenant_id", "event_types"
    )
    return [s for s in candidates if event_types.matches(s.event_types, event.event_type)]


def _create_event(
    tenant: Tenant, event_type: str, payload: Any, idempotency_key: str | None
) -> tuple[Event, bool]:
    fields = {"tenant": tenant, "event_type": event_type, "payload": payload}
    if not idempotency_key:  # nothing can collide: no savepoint needed
        return Event.objects.create(**fields), True
    existing = Event.objects.filter(tenant=tenant, idempotency_key=idempotency_key).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            event = Event.objects.create(**fields, idempotency_key=idempotency_key)
    except IntegrityError:
        # A concurrent publish with the same key won the race: answer with its event.
        return Event.objects.get(tenant=tenant, idempotency_key=idempotency_key), False
    return event, True


def _create_deliveries(event: Event, subscriptions: list[Subscription]) -> list[Delivery]:
    now = timezone.now()
    return Delivery.objects.bulk_create(
        [
            Delivery(
                tenant_id=event.tenant_id,
                event=event,
                subscription=subscription,
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                enqueued_at=now,
            )
            for subscription in subscriptions
        ]
    )


def enqueue_new(delivery_ids: list) -> None:
    from webhooks.outbound.dispatch import enqueue

    enqueue(delivery_ids)
