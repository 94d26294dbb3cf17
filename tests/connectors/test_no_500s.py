"""Inputs the contract suite (tests/contract) found answering 500, each now a clear answer."""

from __future__ import annotations

import pytest

from connectors.models import Connection, IntegrationEvent

pytestmark = pytest.mark.django_db
ZAPIER = {"connector": "zapier", "credentials": {"webhook_url": "https://hooks.zapier.com/x"}}


def test_a_taken_connection_name_is_a_409_naming_it(api_client, tenant):
    assert api_client.post("/api/v1/connections", ZAPIER, format="json").status_code == 201
    response = api_client.post("/api/v1/connections", ZAPIER, format="json")  # the default name
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]
    assert Connection.objects.filter(tenant=tenant).count() == 1


def test_seed_002_install_under_a_taken_name_is_a_409_in_its_shape(api_client):
    install = {
        "operation": "INSTALL",
        "connector_code": "zapier",
        "installation_config": {"webhook_url": "https://hooks.zapier.com/x"},
    }
    first = api_client.post("/api/v2/integrations/connectors", install, format="json")
    assert first.status_code == 201
    response = api_client.post("/api/v2/integrations/connectors", install, format="json")
    assert response.status_code == 409 and response.json()["success"] is False


def test_an_integration_event_key_of_255_characters_is_recorded(api_client, tenant):
    body = {
        "connector_code": "standard",
        "event_type": "contact.created",
        "event_data": {"id": 1},
        "idempotency_key": "k" * 255,
    }
    response = api_client.post("/api/v2/integrations/events", body, format="json")
    assert response.status_code == 201
    assert IntegrationEvent.objects.get(tenant=tenant).idempotency_key == "k" * 255
    again = api_client.post("/api/v2/integrations/events", body, format="json")
    assert again.status_code == 200 and again.json()["duplicate"] is True
