"""Testing a connection without acting on the provider: are its fields complete for its
connector, and does the provider's API host answer?

The check never fires a capability (that would post a message or write a contact) and never
sends a credential: it validates the stored fields against the definition, then makes one GET
of the API host the connection would call (its base URL override, its own instance host, or
the provider's), through the hub's HTTP seam with a short timeout and no redirects followed. Any
HTTP answer below 500 means the host is reachable; it says nothing about whether the
credentials are accepted. Connectors without an API host (a Zapier hook URL is a credential,
and a GET can trigger the Zap) get the field check only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from connectors.connections import validate_fields
from connectors.errors import ConnectorError
from connectors.models import Connection, ConnectionStatus
from connectors.providers import get_definition
from connectors.providers.base import ConnectorDefinition
from core import http

TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    detail: str
    status_code: int | None = None


def check_connection(
    *, connection: Connection, timeout: float = TIMEOUT_SECONDS
) -> ConnectionCheck:
    definition = get_definition(connection.connector)
    if definition is None:
        return ConnectionCheck(ok=False, detail=f"unknown connector {connection.connector!r}")
    try:
        validate_fields(definition, config=connection.config, credentials=connection.credentials)
    except ConnectorError as exc:
        return ConnectionCheck(ok=False, detail=f"incomplete: {exc} ({exc.field})")
    target = definition.base_url(override=connection.base_url, config=connection.config)
    if not target:
        return _ready(connection, definition, "fields complete, no API host to reach")
    started = time.monotonic()
    try:
        with http.outbound_session() as session:
            response = session.get(
                target, timeout=(timeout, timeout), allow_redirects=False, stream=True
            )
            response.close()
    except http.TargetNotAllowed as exc:
        return ConnectionCheck(ok=False, detail=f"{target} refused: {exc}")
    except requests.RequestException as exc:
        return ConnectionCheck(ok=False, detail=f"{target} unreachable: {type(exc).__name__}")
    answered = f"{target} answered HTTP {response.status_code}"
    if response.status_code >= 500:
        return ConnectionCheck(ok=False, detail=answered, status_code=response.status_code)
    elapsed_ms = round((time.monotonic() - started) * 1000)
    reached = f"fields complete, {answered} in {elapsed_ms} ms"
    return _ready(connection, definition, reached, status_code=response.status_code)


def _ready(
    connection: Connection,
    definition: ConnectorDefinition,
    detail: str,
    *,
    status_code: int | None = None,
) -> ConnectionCheck:
    if definition.capabilities:
        ready = "ready for " + ", ".join(c.id for c in definition.capabilities)
    else:
        ready = "ready (no outbound capabilities: inbound webhooks only)"
    if connection.status == ConnectionStatus.DISABLED:
        ready += ", but the connection is disabled"
    return ConnectionCheck(ok=True, detail=f"{detail}; {ready}", status_code=status_code)
