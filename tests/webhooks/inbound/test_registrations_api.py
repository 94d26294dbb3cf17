from __future__ import annotations

import pytest

from tests.factories import IssuedKeyFactory
from webhooks.inbound.models import WebhookRegistration

pytestmark = pytest.mark.django_db


def test_register_returns_url_and_secret_once(api_client, github_connection, settings):
    settings.PUBLIC_BASE_URL = "https://hub.example.com"
    response = api_client.post(
        "/integrations/github/webhooks",
        {"connectionId": str(github_connection.id), "events": ["push", "pull_request"]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "active" and body["webhookSecret"]
    assert body["webhookUrl"] == f"https://hub.example.com/webhooks/{body['registrationId']}"
    detail = api_client.get(f"/webhooks/{body['registrationId']}").json()
    assert detail["events"] == ["push", "pull_request"] and "webhookSecret" not in detail
    assert WebhookRegistration.objects.get().secret == body["webhookSecret"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["push", "teleport"]}, "events"),
        ({"events": []}, "events"),
        ({"connectionId": "00000000-0000-0000-0000-000000000000"}, "connectionId"),
    ],
)
def test_bad_registrations_are_400_naming_the_field(api_client, github_connection, body, field):
    request = {"connectionId": str(github_connection.id), "events": ["push"], **body}
    response = api_client.post("/integrations/github/webhooks", request, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert WebhookRegistration.objects.count() == 0


def test_list_filter_delete_and_tenant_isolation(api_client, github_registration, anonymous_client):
    other = IssuedKeyFactory()
    assert [r["registrationId"] for r in api_client.get("/webhooks").json()] == [
        str(github_registration.id)
    ]
    assert api_client.get("/webhooks", {"integrationId": "slack"}).json() == []
    assert api_client.get("/webhooks", {"status": "unhealthy"}).json() == []
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.raw_key}")
    assert anonymous_client.get(f"/webhooks/{github_registration.id}").status_code == 404
    assert anonymous_client.delete(f"/webhooks/{github_registration.id}").status_code == 404
    assert api_client.get("/webhooks/health").json()["registrations"] == 1
    assert api_client.delete(f"/webhooks/{github_registration.id}").status_code == 204
    assert WebhookRegistration.objects.count() == 0


def test_a_form_body_is_a_400_asking_for_json(api_client, github_connection):
    response = api_client.post(
        "/integrations/github/webhooks",
        "connectionId=x&events=push",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "Content-Type: application/json" in response.json()["detail"]
    assert WebhookRegistration.objects.count() == 0
