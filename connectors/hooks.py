"""How connectors act on hub events: seed 003's Slack notification of submitted requests."""

from __future__ import annotations

import structlog

from connectors.calls.execute import execute
from connectors.errors import CallInProgress
from connectors.models import Connection, ConnectionStatus
from connectors.providers import slack
from webhooks.outbound.models import Event

log = structlog.get_logger(__name__)


def notify_slack_of_request(event: Event) -> None:
    """Every ``request_submitted`` event posts to each active Slack connection's default
    channel, as an idempotent connector call keyed on the event (a repeat posts nothing)."""
    connections = Connection.objects.filter(
        tenant_id=event.tenant_id, connector="slack", status=ConnectionStatus.ACTIVE
    )
    message = slack.request_submitted_message(event.payload or {})
    for connection in connections:
        try:
            execute(
                connection,
                "chat.postMessage",
                message,
                f"request_submitted:{event.id}:{connection.id}",
            )
        except CallInProgress:
            log.info("slack notification already in flight", event_id=str(event.id))
