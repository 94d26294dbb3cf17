"""Whatever a caller sends to a webhook URL, the answer is never a 500 (property-based)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from webhooks.inbound import registry

pytestmark = pytest.mark.django_db
HEADER_NAMES = [
    "X-Hub-Signature-256", "X-Slack-Signature", "X-Slack-Request-Timestamp", "X-GitHub-Event",
    "X-HubSpot-Signature", "X-HubSpot-Signature-Version", "X-HubSpot-Signature-v3",
    "X-HubSpot-Request-Timestamp", "X-LI-Signature", "X-Notion-Signature", "webhook-id",
    "webhook-timestamp", "webhook-signature", "Authorization", "X-Salesforce-Signature",
    "X-Dynamics-Signature", "X-Api-Key",
]  # fmt: skip
BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=12,
    ).map(lambda value: json.dumps(value).encode()),
)
QUERY_NAMES = ["hub.mode", "hub.verify_token", "hub.challenge", "challengeCode", "code", "token"]
HEADERS = st.dictionaries(
    st.sampled_from(HEADER_NAMES),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    code=st.sampled_from(sorted(registry.INBOUND_PROVIDERS)),
    method=st.sampled_from(["GET", "POST"]),
    body=BODIES,
    headers=HEADERS,
    query=st.dictionaries(st.sampled_from(QUERY_NAMES), st.text(max_size=20)),
)
def test_random_requests_never_produce_a_500(registrations, code, method, body, headers, query):
    client = APIClient()
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    path = f"/webhooks/{registrations[code].id}"
    if method == "GET":
        response = client.get(
            path, query, **{k: v for k, v in meta.items() if k != "HTTP_AUTHORIZATION"}
        )
    else:
        response = client.generic("POST", path, body, content_type="application/json", **meta)
    assert response.status_code < 500, (code, response.status_code, response.content[:200])
