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


DEEP = "[" * 2000 + "]" * 2000


@pytest.mark.parametrize("url", ["/api/v1/events", "/api/v1/clients", "/api/webhooks/notify"])
def test_json_nested_too_deep_is_a_400_naming_the_depth(api_client, url):
    response = api_client.post(url, DEEP, content_type="application/json")
    assert response.status_code == 400, response.content
    answer = response.json()
    assert "nested" in answer.get("detail", answer.get("error", ""))
    assert not Event.objects.exists() and not Client.objects.exists()


@pytest.mark.parametrize("number", ["1e309", "-1e400", "2.5E+999"])
def test_a_number_json_can_not_store_is_a_400(api_client, number):
    body = '{"name": "Ada", "extra": {"score": NUMBER}}'.replace("NUMBER", number)
    response = api_client.post("/api/v1/clients", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "number" in response.json()["detail"]
    assert not Client.objects.exists()


def test_nesting_within_the_limit_is_stored(api_client):
    payload: object = "leaf"
    for _ in range(30):
        payload = {"a": payload}
    response = api_client.post(
        "/api/v1/events", {"event_type": "client.created", "payload": payload}, format="json"
    )
    assert response.status_code == 202, response.content
