"""Reads for connectors, always scoped to one tenant."""

from __future__ import annotations

from itertools import islice
from typing import Any

from connectors import breaker
from connectors.models import CallStatus, Connection, ConnectorCall, IntegrationEvent
from connectors.providers import all_definitions, canonical_code, get_definition
from tenants.models import Tenant

LOG_STATUS = {
    CallStatus.SUCCEEDED: "success",
    CallStatus.FAILED: "error",
    CallStatus.PENDING: "pending",
    CallStatus.RUNNING: "pending",
}
CALL_STATUSES = {
    "success": [CallStatus.SUCCEEDED],
    "error": [CallStatus.FAILED],
    "pending": [CallStatus.PENDING, CallStatus.RUNNING],
}


def webhook_secret(connection: Connection | None) -> tuple[str, str]:
    """The credential the connection's provider signs its webhooks with (its name, its value),
    or ``("", "")`` when the connection holds none."""
    definition = get_definition(connection.connector) if connection else None
    name = definition.webhook_secret_field if definition else ""
    value = str(connection.credentials.get(name) or "") if name else ""
    return (name, value) if value else ("", "")


def integration_logs(
    *, tenant: Tenant, limit: int, connector_code: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Seed 002's log: connector calls and integration events, newest first."""
    code = canonical_code(connector_code) or connector_code if connector_code else None
    calls = ConnectorCall.objects.filter(tenant=tenant)
    events = IntegrationEvent.objects.filter(tenant=tenant)
    if code:
        calls, events = calls.filter(connector=code), events.filter(connector=code)
    if status:
        calls = calls.filter(status__in=CALL_STATUSES[status])
        events = events if status == "success" else events.none()
    entries = [_call_entry(c) for c in calls[:limit]] + [_event_entry(e) for e in events[:limit]]
    entries.sort(key=lambda entry: entry["created_at"], reverse=True)
    return list(islice(entries, limit))


def _call_entry(call: ConnectorCall) -> dict[str, Any]:
    return {
        "id": str(call.id),
        "kind": "connector_call",
        "connector_code": call.connector,
        "status": LOG_STATUS[call.status],
        "operation": call.capability_id,
        "idempotency_key": call.key,
        "attempts": call.attempts,
        "error": call.error,
        "created_at": call.created_at,
    }


def _event_entry(event: IntegrationEvent) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "kind": "integration_event",
        "connector_code": event.connector,
        "status": "success",
        "operation": event.event_type,
        "idempotency_key": event.idempotency_key,
        "attempts": 0,
        "error": "",
        "created_at": event.created_at,
    }


def breaker_health(*, tenant: Tenant, connector_code: str | None = None) -> list[dict[str, Any]]:
    """Seed 000's breaker health per connector, over the tenant's own connections only: each
    connector's breakers combined (the worst state, summed counts; ``breaker.combine``). A
    connector the tenant has no connection of is closed with no calls."""
    codes = [connector_code] if connector_code else [d.code for d in all_definitions()]
    connections = Connection.objects.filter(tenant=tenant, connector__in=codes)
    ids_by_code: dict[str, list[str]] = {code: [] for code in codes}
    for connection_id, code in connections.values_list("id", "connector"):
        ids_by_code[code].append(str(connection_id))
    snapshots = breaker.snapshots([i for ids in ids_by_code.values() for i in ids])
    return [
        {
            **breaker.combine(snapshots[i] for i in ids).as_dict(name=code),
            "connections": len(ids),
        }
        for code, ids in ids_by_code.items()
    ]


def connection_breaker(*, connection: Connection) -> dict[str, Any]:
    """One connection's own breaker, in the same shape (``name`` is its connector)."""
    snapshot = breaker.snapshot(str(connection.id))
    return {**snapshot.as_dict(name=connection.connector), "connection": str(connection.id)}


def breaker_states_by_connector() -> dict[str, list[breaker.State]]:
    """Every connection's breaker state (no counts), by connector, across tenants: for the
    operators' gauge, never for an API answer."""
    codes = {d.code: [] for d in all_definitions()}
    rows = list(Connection.objects.values_list("id", "connector"))
    snapshots = breaker.snapshots([str(i) for i, _ in rows], counts=False)
    for connection_id, code in rows:
        codes.setdefault(code, []).append(snapshots[str(connection_id)].state)
    return codes


def waiting_calls(*, connection: Connection) -> int:
    """How many of the connection's calls wait to go (pending)."""
    return ConnectorCall.objects.filter(connection=connection, status=CallStatus.PENDING).count()
