"""/api/v1/clients and seed 004's sync-status endpoints: shapes, validation, events exactly
once per change, and tenant isolation."""

from __future__ import annotations

import uuid

import pytest

from crm_sync.models import Client, SyncStatus
from crm_sync.services import clients
from tests.factories import IssuedKeyFactory
from webhooks.outbound.models import Event


def _events(tenant, event_type: str) -> list[Event]:
    return list(Event.objects.filter(tenant=tenant, event_type=event_type).order_by("created_at"))


@pytest.fixture
def ada(tenant):
    return clients.create_client(
        tenant=tenant, values={"name": "Ada Lovelace", "email": "Ada@Example.com"}
    )


def test_create_returns_the_client_needing_an_update_and_publishes_once(api_client, tenant):
    body = {"name": "Grace Hopper", "email": "grace@example.com", "company": "Navy"}
    response = api_client.post("/api/v1/clients", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["sync_status"] == "NEEDS_UPDATE" and created["version"] == 1
    [event] = _events(tenant, "client.created")
    assert event.payload["id"] == created["id"] and event.payload["email"] == "grace@example.com"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "+1"}, "name"),  # neither a name nor an email
        ({"name": "x" * 300}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api_client, body, field):
    response = api_client.post("/api/v1/clients", body, format="json")
    assert response.status_code == 400 and field in str(response.json())
    assert Client.objects.count() == 0 and Event.objects.count() == 0


def test_an_email_is_one_client_per_tenant(api_client, ada):
    response = api_client.post("/api/v1/clients", {"email": "ADA@example.com"}, format="json")
    assert response.status_code == 409 and "email" in response.json()["errors"]


def test_an_update_bumps_the_version_and_publishes_each_change_once(api_client, tenant, ada):
    url = f"/api/v1/clients/{ada.id}"
    response = api_client.patch(url, {"phone": "+1-555-0100"}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert api_client.patch(url, {"phone": "+1-555-0100"}, format="json").status_code == 200
    [updated] = _events(tenant, "client.updated")
    assert updated.payload["changedFields"] == ["phone"] and updated.payload["source"] == "local"
    statuses = [e.payload for e in _events(tenant, "sync.status.changed")]
    assert statuses == []  # it was NEEDS_UPDATE already: no status change to announce


def test_delete_publishes_client_deleted(api_client, tenant, ada):
    assert api_client.delete(f"/api/v1/clients/{ada.id}").status_code == 204
    [deleted] = _events(tenant, "client.deleted")
    assert deleted.payload["id"] == str(ada.id) and not Client.objects.exists()


def test_filters_by_status_provider_and_search(api_client, tenant, ada):
    clients.create_client(
        tenant=tenant, values={"name": "Alan Turing", "company": "Bletchley"}, status="SYNCED"
    )

    def names(query: str) -> list[str]:
        listed = api_client.get(f"/api/v1/clients{query}").json()["results"]
        return [c["name"] for c in listed]

    assert names("?sync_status=SYNCED") == ["Alan Turing"]
    assert names("?search=bletch") == ["Alan Turing"]
    assert names("?search=example.com") == ["Ada Lovelace"]
    assert names("?provider=hubspot") == []


def test_another_tenants_client_is_a_404(api_client, db):
    other = IssuedKeyFactory().api_key.tenant
    theirs = clients.create_client(tenant=other, values={"name": "Not Yours"})
    assert api_client.get(f"/api/v1/clients/{theirs.id}").status_code == 404
    assert (
        api_client.patch(f"/api/v1/clients/{theirs.id}", {"name": "x"}, format="json").status_code
        == 404
    )
    assert api_client.delete(f"/api/v1/clients/{theirs.id}").status_code == 404
    assert api_client.get("/api/v1/clients").json()["results"] == []
    body = {"clientId": str(theirs.id), "status": "FAILED"}
    response = api_client.post("/api/crm/update-sync-status", body, format="json")
    assert response.status_code == 404 and response.json()["success"] is False
    assert Client.objects.get(pk=theirs.pk).sync_status == SyncStatus.NEEDS_UPDATE


# Seed 004 ---------------------------------------------------------------------------------


def test_sync_status_counts_the_tenants_clients(api_client, tenant, ada):
    clients.create_client(tenant=tenant, values={"name": "B"}, status="SYNCED")
    clients.create_client(tenant=tenant, values={"name": "C"}, status="FAILED")
    other = IssuedKeyFactory().api_key.tenant
    clients.create_client(tenant=other, values={"name": "elsewhere"}, status="SYNCED")
    body = api_client.get("/api/crm/sync-status").json()
    assert body == {
        "totalClients": 3,
        "syncedClients": 1,
        "pendingClients": 0,
        "failedClients": 1,
        "needsUpdateClients": 1,
        "lastSyncTime": None,
    }


def test_update_sync_status_changes_it_and_announces_the_change_once(api_client, tenant, ada):
    body = {"clientId": str(ada.id), "status": "SYNCED"}
    response = api_client.post("/api/crm/update-sync-status", body, format="json")
    assert response.status_code == 200 and response.json() == {"success": True}
    assert api_client.post("/api/crm/update-sync-status", body, format="json").status_code == 200
    [event] = _events(tenant, "sync.status.changed")
    assert event.payload["clientId"] == str(ada.id)
    assert (event.payload["oldStatus"], event.payload["newStatus"]) == ("NEEDS_UPDATE", "SYNCED")
    assert "timestamp" in event.payload


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"clientId": "not-a-uuid", "status": "SYNCED"}, "clientId"),
        ({"clientId": str(uuid.uuid4()), "status": "DONE"}, "status"),
        ({"status": "SYNCED"}, "clientId"),
    ],
)
def test_update_sync_status_validation_is_seed_004s_shape(api_client, body, field):
    response = api_client.post("/api/crm/update-sync-status", body, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["success"] is False and payload["error"]
    assert isinstance(payload["details"][field], str)


def test_update_sync_status_of_an_unknown_client_is_a_404(api_client, db):
    body = {"clientId": str(uuid.uuid4()), "status": "SYNCED"}
    response = api_client.post("/api/crm/update-sync-status", body, format="json")
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "client not found"}
