"""The hot path: verify, store once, wake the processor. No provider or CRM work here."""

from __future__ import annotations

import json
import time
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import cache
from types import ModuleType
from typing import Any

import structlog
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from connectors.metrics import INGEST
from connectors.providers.inbound import (
    HandshakeReply,
    InboundRequest,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
)
from webhooks.inbound.models import WebhookRegistration
from webhooks.inbound.registry import ActiveRegistration, forget
from webhooks.inbound.storing import store_events
from webhooks.inbound.wakeup import wake_processor

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ReceivedRequest(InboundRequest):
    """An InboundRequest that remembers its body's JSON once a provider module has parsed it:
    an event whose payload is that very object is kept by the raw body alone, not stored a
    second time as JSON (``storing._row``)."""

    def json(self) -> Any:
        parsed = super().json()
        object.__setattr__(self, "parsed_json", parsed)  # frozen, like its parent
        return parsed


class Undeliverable(Exception):
    """The events could be stored but not published to subscribers (over the outbound payload
    limit): 413, nothing stored, rather than a 202 followed by failures."""


# What ``handlers.publish_to_subscribers`` wraps around an event's payload, at most: provider,
# event and object type, object id (each cut to its column), times and ids, JSON-escaped.
ENVELOPE_BYTES = 6 * (120 + 80 + 255 + 64) + 512
# How much longer an event's payload can be as compact JSON than the body it came from: a
# non-ASCII character written as \uXXXX (up to 3 bytes a byte), a number written out
# (``1e15``: 18 characters for 4).
EXPANSION = 6


def check_publishable(request: InboundRequest, events: list[ParsedEvent]) -> None:
    """Undeliverable unless every event's payload, published, fits OUTBOUND_MAX_PAYLOAD_BYTES.
    A body too small to grow that large (the usual case) costs one comparison."""
    limit = settings.OUTBOUND_MAX_PAYLOAD_BYTES
    if len(request.body) * EXPANSION + ENVELOPE_BYTES <= limit:
        return
    for event in events:
        size = len(json.dumps(event.payload, separators=(",", ":"), default=str).encode())
        if size + ENVELOPE_BYTES > limit:
            raise Undeliverable(
                f"payload of {size} bytes is over the {limit}-byte limit for publishing it "
                f"(OUTBOUND_MAX_PAYLOAD_BYTES, less {ENVELOPE_BYTES} for the event's envelope)"
            )


@dataclass(frozen=True)
class Received:
    accepted: int
    duplicates: int


def receive(
    *, registration: ActiveRegistration, request: InboundRequest
) -> Received | HandshakeReply:
    """Answer a handshake, or verify and store the request's events (SignatureInvalid,
    MalformedBody and Undeliverable propagate: the caller answers 401, 400 and 413, and
    nothing is stored)."""
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
        if not registration.skip_verification:
            _verify(module, request, context, previous_secrets=registration.previous_secrets)
    except SignatureInvalid as exc:
        record_signature_failure(registration, reason=str(exc))
        raise
    events = module.parse(request)
    check_publishable(request, events)
    accepted = store_events(registration, request, events)
    if accepted:
        _ingested(registration.provider).inc(accepted)
        wake_processor()
    return Received(accepted=accepted, duplicates=len(events) - accepted)


def _verify(
    module: ModuleType,
    request: InboundRequest,
    context: VerifyContext,
    *,
    previous_secrets: tuple[tuple[str, float], ...],
) -> None:
    """The current secret first; after a rotation, the old ones until their grace ends. Only a
    request the current secret refuses costs more than one verification."""
    try:
        module.verify(request, context)
    except SignatureInvalid as refused:
        for secret, expires_at in previous_secrets:
            if expires_at > context.now:
                with suppress(SignatureInvalid):
                    return module.verify(request, replace(context, secret=secret))
        raise refused


@cache
def _ingested(provider: str):
    """The provider's labelled counter, looked up once (``labels`` costs more than ``inc``)."""
    return INGEST.labels(provider=provider, mode="webhook")


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
