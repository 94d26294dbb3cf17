"""A sandbox of 450 contacts per CRM on a real local port (enough for several pages of each
provider's page size), reset before each test, and a ``RemoteApi`` built from a real
``Connection`` pointing at it, parametrised over the three CRMs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.connections import create_connection
from connectors.sandbox import RunningSandbox, SandboxState, start_sandbox
from crm_sync.remote import POLLING_PROVIDERS, RemoteApi

SEEDS = 450
TOKEN = "sandbox-token"
# The required config fields; the connection's base_url (the sandbox) overrides the host.
CONFIG = {
    "hubspot": {},
    "salesforce": {"instance_url": "https://example.my.salesforce.com"},
    "dynamics": {"organization_url": "https://example.crm.dynamics.com"},
}
# Small enough for several pages of 450 (Salesforce's batches are 200 at the least).
PAGE_SIZE = {"hubspot": 100, "salesforce": 200, "dynamics": 100}


@pytest.fixture(scope="module")
def running_sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(state=SandboxState(seed_count=SEEDS)) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(running_sandbox: RunningSandbox) -> Iterator[RunningSandbox]:
    running_sandbox.state.reset()
    yield running_sandbox
    running_sandbox.state.reset()


@pytest.fixture(params=POLLING_PROVIDERS)
def provider(request) -> str:
    return request.param


@pytest.fixture
def connection(tenant, sandbox, provider):
    return create_connection(
        tenant=tenant,
        connector=provider,
        config=CONFIG[provider],
        credentials={"access_token": TOKEN},
        base_url=sandbox.base_url(provider),
    )


@pytest.fixture
def api(connection) -> Iterator[RemoteApi]:
    remote = RemoteApi.for_connection(connection)
    yield remote
    remote.close()
