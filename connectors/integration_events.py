"""Seed 002's integration events: recorded, and published to subscribers as
``<connector>.<event_type>`` through the outbox, once per idempotency key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from connectors import metrics
from connectors.connections import definition_for
from connectors.errors import ConnectorError
from connectors.models import IntegrationEvent
from tenants.models import Tenant
from webhooks.outbound import event_types
from webhooks.outbound.publishing import publish


class UnknownIntegrationEventType(ConnectorError):
    field = "event_type"

    def __init__(self, connector: str, event_type: str) -> None:
        super().__init__(f"{connector} has no event type {event_type!r}")


@dataclass(frozen=True)
class Recorded:
    event: IntegrationEvent
    created: bool


def record_integration_event(
    *,
    tenant: Tenant,
    connector_code: str,
    event_type: str,
    event_data: Any,
    event_source: str = "",
    smart_code: str = "",
    idempotency_key: str | None = None,
) -> Recorded:
    definition = definition_for(connector_code)
    hub_type = f"{definition.code}.{event_type}"
    if not event_types.is_declared(hub_type):
        raise UnknownIntegrationEventType(definition.code, event_type)
    key = idempotency_key or None
    with transaction.atomic():
        if key and (
            existing := IntegrationEvent.objects.filter(tenant=tenant, idempotency_key=key).first()
        ):
            return Recorded(event=existing, created=False)
        published = publish(
            tenant,
            hub_type,
            {
                "connector": definition.code,
                "event_type": event_type,
                "event_source": event_source or connector_code,
                "smart_code": smart_code,
                "event_data": event_data,
            },
            idempotency_key=_hub_event_key(key) if key else None,
        )
        try:
            with transaction.atomic():
                recorded = IntegrationEvent.objects.create(
                    tenant=tenant,
                    connector=definition.code,
                    event_source=event_source,
                    event_type=event_type,
                    event_data=event_data,
                    smart_code=smart_code,
                    idempotency_key=key,
                    hub_event=published.event,
                )
        except IntegrityError:  # a concurrent request with the same key won
            return Recorded(IntegrationEvent.objects.get(tenant=tenant, idempotency_key=key), False)
    metrics.INGEST.labels(provider=definition.code, mode="api").inc()
    return Recorded(event=recorded, created=True)


def _hub_event_key(key: str) -> str:
    """The hub event's idempotency key: the caller's, prefixed; hashed when the prefix would
    take it past the column's 255 characters."""
    prefixed = f"integration-event:{key}"
    if len(prefixed) <= 255:
        return prefixed
    return f"integration-event:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
