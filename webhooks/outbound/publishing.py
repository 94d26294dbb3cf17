"""``publish``: the one way any app tells subscribers something happened (transactional outbox).

The event and its deliveries are written in the caller's transaction; once it commits, a
cheap wake-up (``dispatch.wake``) has a worker claim the due deliveries from the database. The
broker never carries more than that: if it loses a wake-up, the next one or the sweeper finds
the deliveries in the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tenants.models import Tenant
from webhooks.outbound import dispatch, event_types
from webhooks.outbound.errors import PayloadTooLarge, UnknownEventType
from webhooks.outbound.models import Delivery, DeliveryStatus, Event, Subscription

PublishListener = Callable[[Event], None]
_listeners: dict[str, list[PublishListener]] = {}


def on_publish(event_type: str, listener: PublishListener) -> None:
    """Run ``listener(event)`` inside the publishing transaction of every new ``event_type``
    event: how other apps act on hub events atomically (e.g. Slack on request_submitted)."""
    if listener not in _listeners.setdefault(event_type, []):
        _listeners[event_type].append(listener)


def has_listeners(event_type: str) -> bool:
    """Whether publishing ``event_type`` runs in-process listeners (so it matters even when no
    subscription hears of it)."""
    return bool(_listeners.get(event_type))


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
        deliveries = _create_deliveries(event, only_subscription=only_subscription)
        for listener in _listeners.get(event_type, ()):
            listener(event)
        if deliveries:
            transaction.on_commit(dispatch.wake)
    return Published(event=event, deliveries=deliveries, created=True)


def publish_many(
    tenant: Tenant, event_type: str, items: Sequence[tuple[Any, str | None]]
) -> list[Event]:
    """Many events of one type at once (a CRM backfill's ``client.created``): for each
    ``(payload, idempotency_key)`` the rows ``publish`` writes, in a few statements. Keys seen
    before (or twice in ``items``) create nothing. Returns the new events."""
    if not event_types.is_declared(event_type):
        raise UnknownEventType(event_type)
    for payload, _ in items:
        check_payload_size(payload)
    with transaction.atomic():
        fresh = _unseen(tenant, items)
        events = Event.objects.bulk_create(
            Event(tenant=tenant, event_type=event_type, payload=payload, idempotency_key=key)
            for payload, key in fresh
        )
        now, targets = timezone.now(), _matching(tenant, event_type)
        deliveries = Delivery.objects.bulk_create(
            _pending(event, subscription_id=target, now=now)
            for event in events
            for target in targets
        )
        for event in events:
            for listener in _listeners.get(event_type, ()):
                listener(event)
        if deliveries:
            transaction.on_commit(dispatch.wake)
    return events


def _unseen(
    tenant: Tenant, items: Sequence[tuple[Any, str | None]]
) -> list[tuple[Any, str | None]]:
    keys = [key for _, key in items if key]
    taken = set(
        Event.objects.filter(tenant=tenant, idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    fresh = []
    for payload, key in items:
        if key and key in taken:
            continue
        taken.add(key)
        fresh.append((payload, key or None))
    return fresh


def _matching(tenant: Tenant, event_type: str) -> list:
    """The ids of the tenant's enabled subscriptions that hear ``event_type`` (only ids and
    patterns: whole rows would decrypt every secret)."""
    candidates = Subscription.objects.filter(tenant=tenant, enabled=True).values_list(
        "id", "event_types"
    )
    return [pk for pk, patterns in candidates if event_types.matches(patterns, event_type)]


def check_payload_size(payload: Any) -> None:
    size = len(json.dumps(payload, separators=(",", ":")).encode())
    if size > settings.OUTBOUND_MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(size, settings.OUTBOUND_MAX_PAYLOAD_BYTES)


def _create_event(
    tenant: Tenant, event_type: str, payload: Any, idempotency_key: str | None
) -> tuple[Event, bool]:
    """The event and whether it is new. Without a key nothing can collide: the event is
    returned unsaved, for ``_create_deliveries`` to insert with its deliveries."""
    fields = {"tenant": tenant, "event_type": event_type, "payload": payload}
    if not idempotency_key:
        return Event(**fields, created_at=timezone.now()), True
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


def _create_deliveries(event: Event, *, only_subscription: Subscription | None) -> list[Delivery]:
    """Insert the deliveries of ``event``, and ``event`` itself if it is not saved yet."""
    if connection.vendor == "postgresql":
        return _fan_out_in_sql(event, only_subscription=only_subscription)
    # Elsewhere (the embedded SQLite default) the ORM matches in Python and inserts the rows.
    if event._state.adding:
        event.save()
    targets = (
        [only_subscription.id] if only_subscription else _matching(event.tenant, event.event_type)
    )
    now = timezone.now()
    return Delivery.objects.bulk_create(
        [_pending(event, subscription_id=target, now=now) for target in targets]
    )


def _pending(event: Event, *, subscription_id, now: datetime, **stored: Any) -> Delivery:
    """A new delivery of ``event``, due now; ``stored``: what the database filled in."""
    return Delivery(
        tenant_id=event.tenant_id,
        event=event,
        subscription_id=subscription_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        enqueued_at=now,
        **stored,
    )


# One statement matches the tenant's enabled subscriptions and inserts their deliveries (and
# the event, when it has no idempotency key to check first): the hottest part of publish() in
# one round trip, with no subscription rows (nor their encrypted secrets) sent to Python, and
# no cache of subscriptions that a change could leave stale.
_FAN_OUT_SQL = """
    {insert_event}
    INSERT INTO {delivery} (
        id, tenant_id, event_id, subscription_id, status, attempts, total_attempts, last_error,
        next_attempt_at, enqueued_at, created_at, updated_at
    )
    SELECT gen_random_uuid(), s.tenant_id, %(event)s, s.id, %(status)s, 0, 0, '',
           %(now)s, %(now)s, %(now)s, %(now)s
    FROM {subscription} s
    WHERE s.tenant_id = %(tenant)s AND {targets}
    ORDER BY s.created_at DESC
    RETURNING id, subscription_id
"""
# Inserted before the deliveries that refer to it are checked: foreign keys are checked at
# commit (Django makes them DEFERRABLE INITIALLY DEFERRED).
_INSERT_EVENT = """
    WITH new_event AS (
        INSERT INTO {event} (id, tenant_id, event_type, payload, idempotency_key, created_at)
        VALUES (%(event)s, %(tenant)s, %(event_type)s, %(payload)s, NULL, %(created_at)s)
    )
"""
_MATCHING = "s.enabled AND s.event_types ?| %(patterns)s::text[]"
_ONLY = "s.id = %(only)s"  # a test event goes to its subscription whatever its event filter


def _fan_out_in_sql(event: Event, *, only_subscription: Subscription | None) -> list[Delivery]:
    now = timezone.now()
    insert_event = event._state.adding
    sql = _FAN_OUT_SQL.format(
        insert_event=_INSERT_EVENT.format(event=Event._meta.db_table) if insert_event else "",
        delivery=Delivery._meta.db_table,
        subscription=Subscription._meta.db_table,
        targets=_ONLY if only_subscription else _MATCHING,
    )
    params = {
        "event": event.id,
        "event_type": event.event_type,
        "payload": Event._meta.get_field("payload").get_db_prep_save(event.payload, connection),
        "created_at": event.created_at,
        "status": DeliveryStatus.PENDING,
        "now": now,
        "tenant": event.tenant_id,
        "patterns": event_types.matching_patterns(event.event_type),
        "only": only_subscription.id if only_subscription else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    deliveries = [
        _pending(event, subscription_id=subscription_id, now=now, id=delivery_id,
                 created_at=now, updated_at=now)
        for delivery_id, subscription_id in rows
    ]  # fmt: skip
    for saved in [event, *deliveries]:
        _mark_saved(saved)
    return deliveries


def _mark_saved(instance: Event | Delivery) -> None:
    """What the ORM notes on an instance it has written (a later save() then updates)."""
    instance._state.adding = False
    instance._state.db = connection.alias
