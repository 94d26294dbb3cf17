"""What happens to a stored inbound event: each handler gets every event the registration's
filter accepts. Publishing to subscribers is built in; the CRM sync adds its own handler."""

from __future__ import annotations

from collections.abc import Callable

from webhooks.inbound.models import InboundEvent
from webhooks.outbound import event_types
from webhooks.outbound.publishing import publish

Handler = Callable[[InboundEvent], None]
_handlers: list[Handler] = []


def register(handler: Handler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def handlers() -> list[Handler]:
    return list(_handlers)


def publish_to_subscribers(event: InboundEvent) -> None:
    """Tell subscribers as ``<provider>.<event_type>``, once per inbound event."""
    hub_type = f"{event.provider}.{event.event_type}"
    if not event_types.is_declared(hub_type):
        return
    publish(
        event.tenant,
        hub_type,
        {
            "provider": event.provider,
            "event_type": event.event_type,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "occurred_at": event.occurred_at.isoformat() if event.occurred_at else None,
            "inbound_event_id": str(event.id),
            "data": event.payload,
        },
        idempotency_key=f"inbound:{event.id}",
    )


register(publish_to_subscribers)
