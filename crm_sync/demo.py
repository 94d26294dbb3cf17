"""The demo tenant's CRM connections poll the sandbox, so `make run` shows sync at work."""

from __future__ import annotations

from connectors.models import Connection
from crm_sync.services import profiles

DEMO_POLL_SECONDS = 60


def enable_demo_polling(*, connections: list[Connection]) -> int:
    """Turn polling on for new demo CRM connections (so ops' later choices stand)."""
    enabled = 0
    for connection in connections:
        if not profiles.syncs(connection):
            continue
        changes = {"polling_enabled": True, "poll_interval_seconds": DEMO_POLL_SECONDS}
        profiles.update_settings(connection=connection, changes=changes)
        enabled += 1
    return enabled
