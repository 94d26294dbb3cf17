"""Seed 002's events and logs endpoints, and the hub events they publish."""

from __future__ import annotations

import pytest

from connectors.models import CallStatus, Connection, ConnectorCall, IntegrationEvent
from tests.factories import make_subscription
from webhooks.outbound.models import Delivery, Event

pytestmark = pytest.mark.django_db
EVENTS = "/api/v2/integrations/events"


def _lead(**extra):
    return {
        "event_source": "linkedin-api",
        "event_type": "lead_generated",
        "connector_code": "linkedin-api",
        "event_data": {"lead_id": "urn:li:leadgenForm:123456", "firstName": "John"},
        "smart_code": "HERA.LINKEDIN.EVENT.LEAD.GENERATED.v1",
        **extra,
    }


def test_an_event_is_recorded_and_published_to_subscribers(api_client, tenant):
    make_subscription(tenant=tenant, url="http://127.0.0.1:9/leads", events=["linkedin.*"])
    response = api_client.post(
        EVENTS, _lead(), format="json", HTTP_X_ORGANIZATION_ID=str(tenant.id)
    )
    assert response.status_code == 201 and response.json()["success"] is True
    recorded = IntegrationEvent.objects.get()
    assert recorded.connector == "linkedin" and recorded.event_type == "lead_generated"
    hub_event = Event.objects.get(event_type="linkedin.lead_generated")
    assert hub_event.payload["event_data"]["lead_id"] == "urn:li:leadgenForm:123456"
    assert hub_event.payload["smart_code"] == "HERA.LINKEDIN.EVENT.LEAD.GENERATED.v1"
    assert Delivery.objects.filter(event=hub_event).count() == 1


def test_the_idempotency_key_is_honoured(api_client, tenant):
    first = api_client.post(EVENTS, _lead(idempotency_key="webhook_1"), format="json").json()
    again = api_client.post(EVENTS, _lead(idempotency_key="webhook_1"), format="json")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["event"]["id"] == first["event"]["id"]
    assert IntegrationEvent.objects.count() == 1 and Event.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [({"event_type": "lead_lost"}, "event_type"), ({"connector_code": "friendster"}, "connector")],
)
def test_unknown_types_and_connectors_are_400_in_the_seed_shape(api_client, change, field):
    response = api_client.post(EVENTS, _lead(**change), format="json")
    assert response.status_code == 400
    assert response.json()["success"] is False and field in response.json()["details"]
    assert IntegrationEvent.objects.count() == 0 and Event.objects.count() == 0


def test_logs_merge_calls_and_events_with_filters(api_client, tenant):
    api_client.post(EVENTS, _lead(), format="json")
    connection = Connection.objects.create(
        tenant=tenant, connector="slack", name="s", credentials={"bot_token": "x"}
    )
    for n, status in enumerate([CallStatus.SUCCEEDED, CallStatus.FAILED, CallStatus.PENDING]):
        ConnectorCall.objects.create(
            tenant=tenant, connection=connection, key=f"k{n}", connector="slack",
            capability_id="chat.postMessage", request_hash="h", status=status,
        )  # fmt: skip

    def logs(**query):
        return api_client.post("/api/v2/integrations/logs", query, format="json").json()["logs"]

    assert len(logs(limit=50)) == 4
    assert len(logs(limit=2)) == 2
    assert {e["status"] for e in logs(connector_code="slack")} == {"success", "error", "pending"}
    assert [e["kind"] for e in logs(connector_code="linkedin-api")] == ["integration_event"]
    assert [e["idempotency_key"] for e in logs(status="error")] == ["k1"]
    bad = api_client.post("/api/v2/integrations/logs", {"status": "meh"}, format="json")
    assert bad.status_code == 400 and bad.json()["success"] is False
