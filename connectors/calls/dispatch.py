"""The beat sweeper for connector calls: due retries, lost messages, dead workers."""

from __future__ import annotations

from django.conf import settings

from connectors.calls.execute import enqueue
from connectors.models import CallStatus, ConnectorCall
from core import sweeper


def sweep() -> int:
    return sweeper.sweep(
        ConnectorCall,
        waiting=[CallStatus.PENDING],
        in_flight=CallStatus.RUNNING,
        reenqueue_after=settings.OUTBOUND_REENQUEUE_AFTER_SECONDS,
        enqueue=lambda ids: [enqueue(call_id) for call_id in ids],
    )
