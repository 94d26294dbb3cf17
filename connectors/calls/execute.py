"""``execute``: start an idempotent connector call (seed 000).

The call is a row keyed by the tenant's idempotency key. A repeat with the same request
returns the stored call without touching the provider; another request under the same key is
refused (422), and so is a repeat while the first is still in flight (409). A disabled
connection takes no new calls (409); a repeat of a stored one still returns it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from connectors.connections import definition_for
from connectors.errors import (
    CallInProgress,
    ConnectionDisabled,
    IdempotencyKeyReused,
    UnknownCapability,
)
from connectors.models import CallStatus, Connection, ConnectionStatus, ConnectorCall

IN_FLIGHT = (CallStatus.PENDING, CallStatus.RUNNING)
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Execution:
    call: ConnectorCall
    created: bool


def request_hash(*, connection: Connection, capability: str, payload: Any) -> str:
    canonical = json.dumps(
        {"connection": str(connection.id), "capability": capability, "payload": payload},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def execute(
    connection: Connection, capability: str, payload: dict[str, Any], idempotency_key: str
) -> Execution:
    definition = definition_for(connection.connector)
    if definition.capability(capability) is None:
        raise UnknownCapability(definition.code, capability)
    digest = request_hash(connection=connection, capability=capability, payload=payload)
    with transaction.atomic():
        existing = _existing(connection, idempotency_key, digest)
        if existing is not None:
            return Execution(call=existing, created=False)
        if connection.status != ConnectionStatus.ACTIVE:
            raise ConnectionDisabled()
        try:
            with transaction.atomic():
                call = ConnectorCall.objects.create(
                    tenant_id=connection.tenant_id,
                    connection=connection,
                    key=idempotency_key,
                    connector=definition.code,
                    capability_id=capability,
                    request_hash=digest,
                    payload=payload,
                    next_attempt_at=timezone.now(),
                    enqueued_at=timezone.now(),
                )
        except IntegrityError:  # the same key, committed by a concurrent request just now
            return Execution(call=_existing(connection, idempotency_key, digest), created=False)
        transaction.on_commit(partial(enqueue, call.id))
    return Execution(call=call, created=True)


def _existing(connection: Connection, key: str, digest: str) -> ConnectorCall | None:
    call = ConnectorCall.objects.filter(tenant_id=connection.tenant_id, key=key).first()
    if call is None:
        return None
    if call.request_hash != digest:
        raise IdempotencyKeyReused()
    if call.status in IN_FLIGHT:
        raise CallInProgress()
    return call


def enqueue(call_id, *, countdown: float = 0) -> None:
    from connectors.tasks import run_connector_call

    try:
        run_connector_call.apply_async((str(call_id),), countdown=countdown)
    except Exception as exc:  # broker down: the sweeper finds the row later
        log.warning("connector call enqueue failed", call_id=str(call_id), error=str(exc))
