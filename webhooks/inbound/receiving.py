"""The hot path: verify, store once, wake the processor. No provider or CRM work here."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import psycopg
import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone
from psycopg.types.json import Jsonb

from connectors.metrics import INGEST
from connectors.providers.inbound import (
    ALWAYS_SECRET_HEADERS,
    HandshakeReply,
    InboundRequest,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
)
from webhooks.inbound.models import InboundEvent, InboundStatus, WebhookRegistration
from webhooks.inbound.registry import ActiveRegistration, forget
from webhooks.inbound.wakeup import wake_processor

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ReceivedRequest(InboundRequest):
    """An InboundRequest that remembers its body's JSON once a provider module has parsed it:
    an event whose payload is that very object is stored from the body's own text, which
    PostgreSQL parses, instead of being serialised back to JSON in the request."""

    def json(self) -> Any:
        parsed = super().json()
        object.__setattr__(self, "parsed_json", parsed)  # frozen, like its parent
        return parsed


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
    db = connections[DEFAULT_DB_ALIAS]  # once, not through the thread-local proxy per value
    fields, columns = _insert_columns()
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    if db.vendor == "postgresql":
        params = [_postgres_value(f.name, row[f.name], request) for row in rows for f in fields]
    else:
        params = [f.get_db_prep_save(row[f.name], db) for row in rows for f in fields]
    sql = (
        f"INSERT INTO {InboundEvent._meta.db_table} ({columns}) VALUES {placeholders} "
        "ON CONFLICT (registration_id, dedupe_key) DO NOTHING RETURNING id"
    )
    return len(_insert_returning(db, sql, params))


def _insert_returning(db: BaseDatabaseWrapper, sql: str, params: list) -> list[tuple]:
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    # Django's psycopg cursor binds client-side: it quotes every value into the SQL text (the
    # body twice, hex-escaped once). A server-side binding cursor sends the values apart, the
    # body as binary, and psycopg prepares the statement after a few runs so PostgreSQL
    # stops parsing and planning it.
    db.close_if_health_check_failed()  # what Django's cursor() does first
    db.ensure_connection()
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _postgres_value(name: str, value: Any, request: InboundRequest) -> Any:
    """What psycopg is sent for a column: it adapts uuids, text, datetimes and bytes itself
    (the fields' generic get_db_prep_save costs more than the insert's own Python)."""
    if name not in JSON_FIELDS or value is None:
        return value
    if name == "payload" and value is getattr(request, "parsed_json", None):
        text = _json_text(request.body)
        if text is not None:
            return text  # an untyped parameter: PostgreSQL reads it as the column's jsonb
    return Jsonb(value)


def _json_text(body: bytes) -> str | None:
    """The body as text PostgreSQL's jsonb can read, or None (Python's json reads UTF-16 and
    -32 and a byte-order mark; jsonb only plain UTF-8)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if text.startswith("\ufeff") else text


@cache
def _insert_columns() -> tuple[list, str]:
    fields = [InboundEvent._meta.get_field(name) for name in INSERT_FIELDS]
    return fields, ", ".join(connection.ops.quote_name(f.column) for f in fields)


JSON_FIELDS = frozenset({"payload", "headers"})
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
