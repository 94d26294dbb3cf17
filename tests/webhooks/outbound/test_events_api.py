from __future__ import annotations

import pytest

from tests.factories import IssuedKeyFactory, make_subscription
from webhooks.outbound.models import Delivery, Event

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/events"


@pytest.fixture
def two_subscriptions(tenant):
    make_subscription(tenant=tenant, url="http://127.0.0.1:9/a", events=["client.created"])
    make_subscription(tenant=tenant, url="http://127.0.0.1:9/b", events=["client.*"])
    make_subscription(tenant=tenant, url="http://127.0.0.1:9/c", events=["sync.status.changed"])
    make_subscription(tenant=tenant, url="http://127.0.0.1:9/d", events=["*"], enabled=False)


def test_publish_fans_out_to_matching_enabled_subscriptions(api_client, two_subscriptions):
    response = api_client.post(
        EVENTS, {"event_type": "client.created", "payload": {"id": 1}}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert body["event_type"] == "client.created" and body["payload"] == {"id": 1}
    assert len(body["deliveries"]) == 2
    assert {d["status"] for d in body["deliveries"]} == {"pending"}
    assert api_client.get(f"{EVENTS}/{body['id']}").json()["deliveries"] == body["deliveries"]


def test_the_same_idempotency_key_returns_the_same_event_and_creates_nothing(
    api_client, two_subscriptions
):
    body = {"event_type": "client.created", "payload": {"id": 1}, "idempotency_key": "evt-1"}
    first = api_client.post(EVENTS, body, format="json").json()
    again = api_client.post(EVENTS, {**body, "payload": {"id": 2}}, format="json")
    assert again.status_code == 202
    assert again.json()["id"] == first["id"] and again.json()["deliveries"] == first["deliveries"]
    assert Event.objects.count() == 1 and Delivery.objects.count() == 2


def test_idempotency_keys_are_per_tenant(api_client, two_subscriptions):
    other = IssuedKeyFactory()
    body = {"event_type": "client.created", "payload": {}, "idempotency_key": "shared-key"}
    mine = api_client.post(EVENTS, body, format="json").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.raw_key}")
    theirs = api_client.post(EVENTS, body, format="json").json()
    assert mine["id"] != theirs["id"] and theirs["deliveries"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_type": "no.such.event", "payload": {}}, "event_type"),
        ({"payload": {}}, "event_type"),
        ({"event_type": "client.created"}, "payload"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(api_client, two_subscriptions, body, field):
    response = api_client.post(EVENTS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Event.objects.count() == 0


def test_a_payload_over_the_limit_is_413_and_writes_nothing(
    api_client, two_subscriptions, settings
):
    settings.OUTBOUND_MAX_PAYLOAD_BYTES = 1024
    body = {"event_type": "client.created", "payload": {"blob": "x" * 2000}}
    response = api_client.post(EVENTS, body, format="json")
    assert response.status_code == 413
    assert "1024" in response.json()["detail"]
    assert Event.objects.count() == 0 and Delivery.objects.count() == 0


def test_a_body_far_over_the_limit_is_413_not_500(api_client, two_subscriptions):
    body = {"event_type": "client.created", "payload": {"blob": "x" * 3_000_000}}
    response = api_client.post(EVENTS, body, format="json")
    assert response.status_code == 413
    assert Event.objects.count() == 0


def test_another_tenants_event_answers_404(api_client):
    other = IssuedKeyFactory().api_key.tenant
    from webhooks.outbound.publishing import publish

    foreign = publish(other, "client.created", {"secret": "theirs"}).event
    assert api_client.get(f"{EVENTS}/{foreign.id}").status_code == 404
    assert api_client.get(f"/api/v1/admin/events/{foreign.id}/attempts").status_code == 404
    assert api_client.get(EVENTS).json()["results"] == []
