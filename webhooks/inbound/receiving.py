"""The hot path: verify, store once, wake the processor. No provider or CRM work here."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from functools import cache

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from connectors.metrics import INGEST
from connectors.providers.inbound import (
    ALWAYS_SECRET_HEADERS,
    HandshakeReply,
    InboundRequest,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
)
from core.shared_state import set_flag
from webhooks.inbound.models import InboundEvent, InboundStatus, WebhookRegistration
from webhooks.inbound.registry import ActiveRegistration, forget

log = structlog.get_logger(__name__)
WAKEUP_KEY = "inbound:wakeup"


@dataclass(frozen=True)
class Received:
    accepted: int
    duplicates: int


def receive(
    *, registration: ActiveRegistration, request: InboundRequest
) -> Received | HandshakeReply:
    """Answer a handshake, or verify and store the request's events (SignatureInvalid and
    MalformedBody propagate: the caller answers 401 and 400, and nothing is stored)."""
    module = registration.module
    context = VerifyContext(
        secret=registration.secret,
        config=registration.config,
        tolerance_seconds=settings.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS,
        now=time.time(),
    )
    handshake = getattr(module, "handshake", None)
    reply = handshake(request, context) if handshake else None
    if reply is not None:
        if reply.store_secret:
            _store_secret(registration, reply.store_secret)
        return reply
    try:
        if not registration.config.get("signature_bypass"):
            module.verify(request, context)
    except SignatureInvalid as exc:
        record_signature_failure(registration, reason=str(exc))
        raise
    events = module.parse(request)
    accepted = store_events(registration, request, events)
    if accepted:
        INGEST.labels(provider=registration.provider, mode="webhook").inc(accepted)
        wake_processor()
    return Received(accepted=accepted, duplicates=len(events) - accepted)


def stored_headers(registration: ActiveRegistration, request: InboundRequest) -> dict[str, str]:
    secret = ALWAYS_SECRET_HEADERS | getattr(registration.module, "SECRET_HEADERS", frozenset())
    configured = registration.config.get("header_name")
    if configured:
        secret = secret | {configured.lower()}
    return {k: v for k, v in request.headers.items() if k not in secret}


def store_events(
    registration: ActiveRegistration, request: InboundRequest, events: list[ParsedEvent]
) -> int:
    """One INSERT ... ON CONFLICT DO NOTHING for all the events; return how many were new."""
    if not events:
        return 0
    now = timezone.now()
    headers = stored_headers(registration, request)
    rows = [
        _row(registration, event, request=request, headers=headers, now=now) for event in events
    ]
    fields, columns = _insert_columns()
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    params = [f.get_db_prep_save(row[f.name], connection) for row in rows for f in fields]
    sql = (
        f"INSERT INTO {InboundEvent._meta.db_table} ({columns}) VALUES {placeholders} "
        "ON CONFLICT (registration_id, dedupe_key) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


@cache
def _insert_columns() -> tuple[list, str]:
    fields = [InboundEvent._meta.get_field(name) for name in INSERT_FIELDS]
    return fields, ", ".join(connection.ops.quote_name(f.column) for f in fields)


INSERT_FIELDS = (
    "id", "tenant", "registration", "provider", "event_type", "dedupe_key", "object_type",
    "object_id", "occurred_at", "payload", "raw_body", "headers", "status", "attempts", "error",
    "received_at",
)  # fmt: skip


def _row(registration, event: ParsedEvent, *, request, headers, now) -> dict:
    return {
        "id": uuid.uuid4(),
        "tenant": registration.tenant_id,
        "registration": registration.id,
        "provider": registration.provider,
        "event_type": event.event_type[:120],
        "dedupe_key": event.dedupe_key[:255],
        "object_type": event.object_type[:80],
        "object_id": str(event.object_id)[:255],
        "occurred_at": event.occurred_at,
        "payload": _storable(event.payload, request.body),
        "raw_body": request.body,
        "headers": headers,
        "status": InboundStatus.PENDING,
        "attempts": 0,
        "error": "",
        "received_at": now,
    }


# The only ways a NUL can reach a parsed payload: the JSON escape, a form body's %00, a raw NUL.
NUL_CARRIERS = (b"\\u0000", b"%00", b"\x00")


def _storable(payload, body: bytes):
    """PostgreSQL's jsonb refuses NUL: such a payload is kept only as the raw body. The body
    is scanned once per request; payloads are serialised only when it might carry one."""
    if not any(carrier in body for carrier in NUL_CARRIERS):
        return payload
    return (
        payload if "\\u0000" not in json.dumps(payload, default=str) else {"unstorable_json": True}
    )


def wake_processor() -> None:
    """A cheap wake-up: at most one task message a second; the beat sweep covers a lost one."""
    if not set_flag(WAKEUP_KEY, seconds=1):
        return
    from webhooks.inbound.tasks import process_inbound_events

    try:
        transaction.on_commit(process_inbound_events.delay)
    except Exception as exc:  # broker down: the beat task processes them later
        log.warning("inbound wake-up failed", error=str(exc))


def record_signature_failure(registration: ActiveRegistration, *, reason: str) -> None:
    WebhookRegistration.objects.filter(pk=registration.id).update(
        signature_failures=F("signature_failures") + 1,
        last_signature_failure_at=timezone.now(),
        last_signature_failure=reason[:300],
    )
    log.info("inbound signature refused", registration_id=str(registration.id), reason=reason)


def _store_secret(registration: ActiveRegistration, secret: str) -> None:
    row = WebhookRegistration.objects.get(pk=registration.id)
    row.secret = secret
    row.save(update_fields=["secret", "updated_at"])
    forget(registration.id)
