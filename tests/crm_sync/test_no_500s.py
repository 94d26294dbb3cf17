"""Whatever a caller sends to the CRM API, the answer is never a 500 (property-based)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_sync.services import clients

pytestmark = pytest.mark.django_db
FIELDS = ["name", "email", "phone", "company", "extra", "clientId", "status", "sync_status"]
FIELDS += ["polling_enabled", "poll_interval_seconds", "conflict_rule", "field_owners", "keep"]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
BODIES = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=5).map(json.dumps),
    st.text(max_size=200),
)


@pytest.fixture
def targets(tenant, connect):
    client = clients.create_client(tenant=tenant, values={"name": "Ada", "email": "a@example.com"})
    connection = connect(tenant, "hubspot")
    return [
        ("post", "/api/v1/clients"),
        ("patch", f"/api/v1/clients/{client.id}"),
        ("get", "/api/v1/clients?sync_status=%00&search=%00&provider=x"),
        ("post", "/api/crm/update-sync-status"),
        ("patch", f"/api/v1/connections/{connection.id}/sync-settings"),
        ("get", "/api/v1/sync-runs?connection=not-a-uuid&status=x"),
        ("post", "/api/v1/conflicts/1/resolve"),
    ]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODIES, which=st.integers(min_value=0, max_value=6))
def test_no_body_produces_a_500(api_client, targets, body, which):
    method, url = targets[which]
    if method == "get":
        response = api_client.get(url)
    else:
        response = getattr(api_client, method)(url, body, content_type="application/json")
    assert response.status_code < 500, response.content[:300]
