"""Processing stored inbound events in batches: claimed with ``skip_locked`` so any number of
workers share the backlog, handled in the claiming transaction so an event and what it
causes (outbox events, CRM writes) commit together."""

from __future__ import annotations

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from webhooks.inbound import handlers
from webhooks.inbound.models import InboundEvent, InboundStatus, WebhookRegistration
from webhooks.outbound.event_types import matches

log = structlog.get_logger(__name__)


def process_batch(*, limit: int = 100) -> int:
    """Handle up to ``limit`` pending events; return how many were claimed."""
    with transaction.atomic():
        events = list(
            InboundEvent.objects.filter(status=InboundStatus.PENDING)
            .select_related("registration", "tenant")
            .order_by("received_at")
            .select_for_update(skip_locked=True, of=("self",))[:limit]
        )
        for event in events:
            _process(event)
    return len(events)


def process_all(*, limit: int = 100, max_batches: int = 1000) -> int:
    total = 0
    for _ in range(max_batches):
        claimed = process_batch(limit=limit)
        total += claimed
        if claimed < limit:
            break
    return total


def _process(event: InboundEvent) -> None:
    now = timezone.now()
    event.attempts += 1
    if not matches(event.registration.event_types, event.event_type):
        _finish(event, InboundStatus.IGNORED, now=now)
        return
    try:
        with transaction.atomic():
            for handler in handlers.handlers():
                handler(event)
    except Exception as exc:  # a handler's failure is the event's, not the batch's
        _failed(event, exc, now=now)
        return
    _finish(event, InboundStatus.PROCESSED, now=now)


def _failed(event: InboundEvent, exc: Exception, *, now) -> None:
    log.warning("inbound event failed", inbound_event_id=str(event.id), error=str(exc))
    event.error = f"{type(exc).__name__}: {exc}"[:2000]
    final = event.attempts >= settings.INBOUND_MAX_ATTEMPTS
    _finish(event, InboundStatus.FAILED if final else InboundStatus.PENDING, now=now)
    WebhookRegistration.objects.filter(pk=event.registration_id).update(
        processing_failures=F("processing_failures") + 1, last_processing_failure_at=now
    )


def _finish(event: InboundEvent, status: str, *, now) -> None:
    event.status = status
    if status != InboundStatus.PENDING:
        event.processed_at = now
    event.save(update_fields=["status", "attempts", "error", "processed_at"])


def reprocess(queryset) -> int:
    """Send events back through processing (the admin's "reprocess")."""
    count = queryset.update(status=InboundStatus.PENDING, attempts=0, error="", processed_at=None)
    if count:
        from webhooks.inbound.receiving import wake_processor

        wake_processor()
    return count
