"""Rules the OpenAPI contract states and the API keeps, each found by the schemathesis suite
(tests/contract) and pinned here by a plain test."""

from __future__ import annotations

import base64

import pytest

from crm_sync.models import Client

pytestmark = pytest.mark.django_db
CLIENTS = "/api/v1/clients/"


@pytest.mark.parametrize("limit", ["0", "501", "-1", "abc", "5_0", "null"])
def test_a_limit_outside_1_to_500_is_a_400_naming_it(api_client, limit):
    response = api_client.get(CLIENTS, {"limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()["errors"]


def test_a_limit_inside_the_bounds_sizes_the_page(api_client, tenant):
    Client.objects.create(tenant=tenant, name="A")
    Client.objects.create(tenant=tenant, name="B")
    page = api_client.get(CLIENTS, {"limit": "1"}).json()
    assert len(page["results"]) == 1 and page["next"]


def test_a_cursor_whose_position_is_no_timestamp_is_a_404_not_a_500(api_client):
    cursor = base64.b64encode(b"p=not-a-timestamp").decode()
    response = api_client.get(CLIENTS, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_id_answers_the_error_shape(api_client):
    response = api_client.get(f"{CLIENTS}0b7ce7ce-6c17-81da-6a7c-ff9cdb84ddc4/")
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "code"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/api-keys/", {"name": 0}, "name"),
        (CLIENTS, {"name": "Ada", "company": 7}, "company"),
        ("/api/crm/update-sync-status", {"clientId": False, "status": "SYNCED"}, "clientId"),
    ],
)
def test_json_of_another_type_than_the_schema_says_is_a_400(api_client, path, body, field):
    response = api_client.post(path, body, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in (body.get("errors") or body.get("details"))


def test_the_schema_documents_each_error_status_with_the_shared_shape(client):
    spec = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    responses = spec["paths"]["/api/v1/clients/{id}/"]["patch"]["responses"]
    for status in ("400", "401", "403", "404", "413", "415"):
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, status
    limit = next(
        p for p in spec["paths"]["/api/v1/clients/"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 500)
    seed = spec["paths"]["/api/crm/update-sync-status"]["post"]["responses"]["404"]
    assert seed["content"]["application/json"]["schema"]["$ref"].endswith("/SeedError")
