from __future__ import annotations

import pytest

from connectors.connections import create_connection

# Breaker state lives in the shared Redis, keyed by connection id: each test's connections are
# new, so their breakers start closed whatever earlier tests left behind.


@pytest.fixture
def slack_connection(tenant, sandbox):
    return create_connection(
        tenant=tenant,
        connector="slack",
        name="Slack",
        config={"default_channel": "#general"},
        credentials={"bot_token": "xoxb-sandbox-token"},
        base_url=sandbox.base_url("slack"),
    )


@pytest.fixture
def hubspot_connection(tenant, sandbox):
    return create_connection(
        tenant=tenant,
        connector="hubspot",
        name="HubSpot",
        credentials={"access_token": "pat-na1-sandbox"},
        base_url=sandbox.base_url("hubspot"),
    )
