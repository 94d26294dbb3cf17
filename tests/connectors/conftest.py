from __future__ import annotations

import pytest

from connectors import breaker
from connectors.connections import create_connection
from connectors.providers import all_definitions


@pytest.fixture(autouse=True)
def closed_breakers():
    """Breaker state lives in the shared Redis: every test starts and ends with it closed."""
    codes = [definition.code for definition in all_definitions()]
    for code in codes:
        breaker.reset(code)
    yield
    for code in codes:
        breaker.reset(code)


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
