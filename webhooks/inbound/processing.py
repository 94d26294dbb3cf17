"""Processing stored inbound events in batches: claimed with ``skip_locked`` so any number of
workers share the backlog, handled in the claiming transaction so an event and what it
causes (outbox events, CRM writes) commit together.

Per batch, not per event: one claim, one load of the registrations and tenants, one look at
who subscribes, and one UPDATE per outcome. Per event there remains only its handlers, in a
savepoint so one event's failure is not its batch's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import BinaryField, Case, F, When
from django.utils import timezone

from webhooks.inbound import handlers
from webhooks.inbound.audience import Audience, audience_of
from webhooks.inbound.models import InboundEvent, InboundStatus, WebhookRegistration
from webhooks.outbound.event_types import matches

log = structlog.get_logger(__name__)
BATCH_SIZE = 500
# What processing never reads: loaded only if a handler asks for it.
UNREAD_FIELDS = ("raw_body", "headers")


def process_batch(*, limit: int = BATCH_SIZE) -> int:
    """Handle up to ``limit`` pending events; return how many were claimed."""
    with transaction.atomic():
        events = _claim(limit=limit)
        if not events:
            return 0
        now = timezone.now()
        audience = audience_of(events)
        done: dict[str, list[InboundEvent]] = defaultdict(list)
        for event in events:
            outcome = _process(event, audience=audience, now=now)
            if outcome is not None:
                done[outcome].append(event)
        for status, finished in done.items():
            _finish_all(finished, status=status, now=now)
    return len(events)


def process_all(*, limit: int = BATCH_SIZE, max_batches: int = 1000) -> int:
    total = 0
    for _ in range(max_batches):
        claimed = process_batch(limit=limit)
        total += claimed
        if claimed < limit:
            break
    return total


def _claim(*, limit: int) -> list[InboundEvent]:
    # prefetch, not select_related: each registration is loaded (and its secret decrypted)
    # once per batch instead of once per event row.
    # The raw body is read only for the events whose payload it holds (InboundEvent.payload).
    return list(
        InboundEvent.objects.filter(status=InboundStatus.PENDING)
        .defer(*UNREAD_FIELDS)
        .annotate(
            body_of_payload=Case(
                When(payload_in_body=True, then=F("raw_body")), output_field=BinaryField()
            )
        )
        .prefetch_related("registration", "tenant")
        .order_by("received_at")
        .select_for_update(skip_locked=True)[:limit]
    )


def _process(event: InboundEvent, *, audience: Audience, now: datetime) -> str | None:
    """Run the event's handlers; return its outcome, or None once a failure is recorded."""
    if not matches(event.registration.event_types, event.event_type):
        return InboundStatus.IGNORED
    try:
        with transaction.atomic():
            for handler in _handlers_for(event, audience=audience):
                handler(event)
    except Exception as exc:  # a handler's failure is the event's, not the batch's
        _failed(event, exc, now=now)
        return None
    return InboundStatus.PROCESSED


def _handlers_for(event: InboundEvent, *, audience: Audience) -> list[handlers.Handler]:
    """Every handler, less publishing when no subscription or listener would hear of it."""
    return [
        handler
        for handler in handlers.handlers()
        if handler is not handlers.publish_to_subscribers or audience.hears(event)
    ]


def _failed(event: InboundEvent, exc: Exception, *, now: datetime) -> None:
    log.warning("inbound event failed", inbound_event_id=str(event.id), error=str(exc))
    event.attempts += 1
    event.error = f"{type(exc).__name__}: {exc}"[:2000]
    final = event.attempts >= settings.INBOUND_MAX_ATTEMPTS
    event.status = InboundStatus.FAILED if final else InboundStatus.PENDING
    event.processed_at = now if final else None
    event.save(update_fields=["status", "attempts", "error", "processed_at"])
    WebhookRegistration.objects.filter(pk=event.registration_id).update(
        processing_failures=F("processing_failures") + 1, last_processing_failure_at=now
    )


def _finish_all(events: list[InboundEvent], *, status: str, now: datetime) -> None:
    InboundEvent.objects.filter(pk__in=[event.pk for event in events]).update(
        status=status, attempts=F("attempts") + 1, processed_at=now
    )
