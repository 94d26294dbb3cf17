from __future__ import annotations

import pytest

from connectors.connections import create_connection, update_connection
from connectors.providers import all_definitions
from connectors.sandbox import webhooks as signers
from tests.factories import IssuedKeyFactory
from tests.webhooks.inbound.conftest import GITHUB_SECRET, github_delivery, post_signed
from webhooks.inbound import registry
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


# --- the connection's webhook secret is the registration's ----------------------------------


def _register(api_client, provider: str, connection, **extra):
    request = {"connectionId": str(connection.id), "events": ["*"], **extra}
    return api_client.post(f"/integrations/{provider}/webhooks", request, format="json")


def test_a_github_registration_verifies_with_its_connections_webhook_secret(
    api_client, github_connection, settings
):
    # GitHub signs with the secret the user set at GitHub, which the connection holds.
    settings.PUBLIC_BASE_URL = "http://testserver"
    body = _register(api_client, "github", github_connection).json()
    assert body["webhookSecret"] == GITHUB_SECRET
    response = post_signed(api_client, github_delivery(body["webhookUrl"], {"zen": "Keep it."}))
    assert response.status_code == 202, response.content


def test_a_secret_other_than_the_connections_is_refused(api_client, github_connection):
    response = _register(api_client, "github", github_connection, secret="another-secret-123")
    assert response.status_code == 400
    assert "webhook_secret" in response.json()["errors"]["secret"][0]
    assert WebhookRegistration.objects.count() == 0
    same = _register(api_client, "github", github_connection, secret=GITHUB_SECRET)
    assert same.status_code == 201 and same.json()["webhookSecret"] == GITHUB_SECRET


HOLDING_A_WEBHOOK_SECRET = [
    d for d in all_definitions() if d.webhook_secret_field and d.code in registry.INBOUND_PROVIDERS
]


@pytest.mark.parametrize("definition", HOLDING_A_WEBHOOK_SECRET, ids=lambda d: d.code)
def test_every_provider_whose_connection_holds_its_webhook_secret_registers_with_it(
    api_client, tenant, definition
):
    assert definition.webhook_secret_field in {f.name for f in definition.credential_fields}
    secret = f"{definition.code}-signing-secret-0123456789"
    credentials = {f.name: "x" for f in definition.credential_fields if f.required}
    connection = create_connection(
        tenant=tenant,
        connector=definition.code,
        config={f.name: "https://x.example.com" for f in definition.config_fields if f.required},
        credentials={**credentials, definition.webhook_secret_field: secret},
    )
    body = _register(api_client, definition.code, connection).json()
    assert body["webhookSecret"] == secret
    assert WebhookRegistration.objects.get().secret == secret


def test_the_providers_that_sign_with_a_connection_secret_declare_it():
    declared = {d.code: d.webhook_secret_field for d in HOLDING_A_WEBHOOK_SECRET}
    assert declared == {
        "github": "webhook_secret", "salesforce": "webhook_secret",
        "dynamics": "webhook_secret", "standard": "secret", "slack": "signing_secret",
        "meta": "app_secret", "whatsapp": "app_secret", "linkedin": "client_secret",
        "hubspot": "client_secret", "notion": "verification_token",
    }  # fmt: skip


def test_a_connection_without_the_secret_gets_a_generated_one(api_client, tenant):
    connection = create_connection(tenant=tenant, connector="slack", credentials={"bot_token": "x"})
    body = _register(api_client, "slack", connection).json()
    assert body["webhookSecret"].startswith("whsec_")


def test_changing_the_connections_secret_changes_its_registrations(
    api_client, github_connection, settings
):
    settings.PUBLIC_BASE_URL = "http://testserver"
    body = _register(api_client, "github", github_connection).json()
    update_connection(
        connection=github_connection, changes={"credentials": {"webhook_secret": "new-secret-42"}}
    )
    assert WebhookRegistration.objects.get().secret == "new-secret-42"
    signed = signers.github_request(
        body["webhookUrl"], "new-secret-42", {"zen": "Keep it."}, event="ping", delivery="d-1"
    )
    assert post_signed(api_client, signed).status_code == 202
