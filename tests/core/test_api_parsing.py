"""A NUL character is valid JSON that PostgreSQL can't store: every API answers 400 for it
and writes nothing, instead of failing the write with a 500."""

from __future__ import annotations

import pytest

from connectors.models import Connection, IntegrationEvent
from crm_sync.models import Client
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db
NUL = "\u0000"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/events", {"event_type": "client.created", "payload": {"a": NUL}}),
        ("/api/webhooks/notify", {"event": "client.created", "data": {NUL: 1}}),
        (
            "/api/v2/integrations/events",
            {"event_type": "lead_generated", "connector_code": "linkedin", "event_data": [NUL]},
        ),
        ("/api/v1/clients", {"name": "Ada", "extra": {"note": f"a{NUL}b"}}),
        (
            "/api/v1/connections",
            {"connector": "slack", "config": {"default_channel": NUL}, "credentials": {}},
        ),
    ],
)
def test_a_nul_anywhere_in_a_body_is_a_400_that_writes_nothing(api_client, url, body):
    response = api_client.post(url, body, format="json")
    assert response.status_code == 400
    answer = response.json()
    assert "NUL" in answer.get("detail", answer.get("error", ""))  # v1's shape or the seeds'
    for model in (Event, IntegrationEvent, Client, Connection):
        assert not model.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["/api/v1/clients?search=%00", "/api/v1/events?x%00=1", "/admin/crm_sync/client/?q=%00"],
)
def test_a_nul_in_a_url_is_a_400(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
