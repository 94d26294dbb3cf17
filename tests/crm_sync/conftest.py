"""CRM sync fixtures: connections to the sandbox CRMs (``sandbox`` is suite-wide)."""

from __future__ import annotations

import pytest

from connectors.connections import create_connection
from crm_sync.services import profiles

CONFIG = {
    "hubspot": {},
    "salesforce": {"instance_url": "https://example.my.salesforce.com"},
    "dynamics": {"organization_url": "https://example.crm.dynamics.com"},
}
CRMS = tuple(CONFIG)


@pytest.fixture
def connect(sandbox):
    """``connect(tenant, provider, **sync_settings)``: a connection to the sandbox CRM."""

    def _connect(tenant, provider: str, *, name: str = "", **settings):
        connection = create_connection(
            tenant=tenant,
            connector=provider,
            name=name or f"{provider} sandbox",
            config=CONFIG[provider],
            credentials={"access_token": "sandbox-token"},
            base_url=sandbox.base_url(provider),
        )
        if settings:
            profiles.update_settings(connection=connection, changes=settings)
        return connection

    return _connect
