from __future__ import annotations

import pytest

from tenants.models import ApiKey
from tests.factories import IssuedKeyFactory

pytestmark = pytest.mark.django_db
KEYS = "/api/v1/api-keys"


def test_created_key_is_shown_once_and_works(api_client, anonymous_client, tenant):
    created = api_client.post(KEYS, {"name": "ci"}, format="json")
    assert created.status_code == 201
    raw_key = created.json()["key"]
    assert raw_key.startswith(created.json()["prefix"])

    listed = api_client.get(KEYS).json()["results"]
    assert {item["name"] for item in listed} == {"test", "ci"}
    assert all("key" not in item for item in listed)
    assert api_client.get(f"{KEYS}/{created.json()['id']}").json().get("key") is None

    me = anonymous_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert me.json()["tenant"]["id"] == str(tenant.id)


def test_delete_revokes_the_key(api_client, anonymous_client):
    raw_key = api_client.post(KEYS, {"name": "temp"}, format="json").json()["key"]
    key_id = ApiKey.objects.get(name="temp").id
    assert api_client.delete(f"{KEYS}/{key_id}").status_code == 204
    assert ApiKey.objects.get(pk=key_id).revoked_at is not None
    response = anonymous_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert response.status_code == 401


def test_another_tenants_key_answers_404_and_is_untouched(api_client):
    foreign = IssuedKeyFactory().api_key
    assert api_client.get(f"{KEYS}/{foreign.id}").status_code == 404
    assert api_client.delete(f"{KEYS}/{foreign.id}").status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    assert str(foreign.id) not in api_client.get(KEYS).content.decode()


def test_bad_input_is_400_naming_the_field_and_writes_nothing(api_client):
    before = ApiKey.objects.count()
    response = api_client.post(KEYS, {"name": "x" * 101}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]
    assert ApiKey.objects.count() == before


def test_malformed_json_is_400_not_500(api_client):
    response = api_client.post(KEYS, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_unknown_api_path_is_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
