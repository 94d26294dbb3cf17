"""The catalog and connections API: validation against definitions, write-only credentials,
encryption at rest, tenant isolation, and seed 002's install/update/uninstall."""

from __future__ import annotations

import logging

import pytest
from django.db import connection as db

from connectors.models import Connection
from connectors.providers import all_definitions
from tests.factories import IssuedKeyFactory

pytestmark = pytest.mark.django_db
CONNECTIONS = "/api/v1/connections"
SLACK_TOKEN = "xoxb-123-secret-token-value"


def _slack(api_client, **body):
    body = {
        "connector": "slack",
        "name": "Team Slack",
        "config": {"default_channel": "#integrations"},
        "credentials": {"bot_token": SLACK_TOKEN},
        **body,
    }
    return api_client.post(CONNECTIONS, body, format="json")


def test_catalog_lists_the_twelve_connectors_with_their_shape(api_client):
    catalog = api_client.get("/api/v1/connectors").json()
    assert {c["code"] for c in catalog} == {
        "salesforce", "hubspot", "dynamics", "notion", "slack", "github", "google",
        "whatsapp", "linkedin", "meta", "zapier", "standard",
    }  # fmt: skip
    whatsapp = api_client.get("/api/v1/connectors/whatsapp-business-cloud").json()
    assert whatsapp["code"] == "whatsapp" and whatsapp["auth_type"] == "api_key"
    assert "message_received" in whatsapp["events"]
    assert [c["id"] for c in whatsapp["capabilities"]] == ["messages.send"]
    assert api_client.get("/api/v1/connectors/nope").status_code == 404


@pytest.mark.parametrize(
    ("definition", "seed_events"),
    [
        ("whatsapp", {"message_received", "message_sent", "message_delivered", "message_read"}),
        ("whatsapp", {"status_update"}),
        ("linkedin", {"lead_generated", "campaign_updated", "post_engagement", "connection_made"}),
        ("meta", {"page_message_received", "post_published", "lead_generated"}),
        ("meta", {"instagram_mention"}),
        ("zapier", {"webhook_received", "trigger_sent", "workflow_triggered"}),
        ("hubspot", {"contact_created", "deal_created", "form_submitted", "company_updated"}),
    ],
)  # fmt: skip
def test_seed_002_events_are_declared(definition, seed_events):
    by_code = {d.code: d for d in all_definitions()}
    assert seed_events <= set(by_code[definition].events)


def test_create_hides_credentials_and_encrypts_them_at_rest(api_client, caplog):
    caplog.set_level(logging.DEBUG)
    response = _slack(api_client)
    assert response.status_code == 201
    body = response.json()
    assert "credentials" not in body and body["credentials_set"] == ["bot_token"]
    detail = api_client.get(f"{CONNECTIONS}/{body['id']}")
    listing = api_client.get(CONNECTIONS)
    assert SLACK_TOKEN not in detail.content.decode() + listing.content.decode()
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials, config FROM connectors_connection")
        raw_credentials, raw_config = cursor.fetchone()
    assert SLACK_TOKEN not in raw_credentials and "#integrations" not in raw_config
    assert Connection.objects.get().credentials == {"bot_token": SLACK_TOKEN}
    assert SLACK_TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credentials": {}}, "credentials.bot_token"),
        ({"credentials": {"bot_token": ""}}, "credentials.bot_token"),
        ({"credentials": {"bot_token": "x", "password": "y"}}, "credentials.password"),
        ({"config": {"colour": "red"}}, "config.colour"),
        ({"connector": "myspace"}, "connector"),
        ({"base_url": "not a url"}, "base_url"),
    ],
)
def test_validation_errors_name_the_field_and_write_nothing(api_client, body, field):
    response = _slack(api_client, **body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Connection.objects.count() == 0


def test_required_config_is_enforced_too(api_client):
    response = api_client.post(
        CONNECTIONS,
        {"connector": "whatsapp", "credentials": {"access_token": "EAAG"}},
        format="json",
    )
    assert response.status_code == 400
    assert "config.phone_number_id" in response.json()["errors"]


def test_patch_merges_credentials_and_validates(api_client):
    created = _slack(api_client).json()
    path = f"{CONNECTIONS}/{created['id']}"
    response = api_client.patch(path, {"credentials": {"signing_secret": "abc"}}, format="json")
    assert response.json()["credentials_set"] == ["bot_token", "signing_secret"]
    assert (
        api_client.patch(path, {"credentials": {"bot_token": None}}, format="json").status_code
        == 400
    )
    assert Connection.objects.get().credentials["bot_token"] == SLACK_TOKEN
    assert (
        api_client.patch(path, {"status": "disabled"}, format="json").json()["status"] == "disabled"
    )


def test_another_tenants_connection_answers_404(api_client):
    other = IssuedKeyFactory()
    from rest_framework.test import APIClient

    theirs = APIClient()
    theirs.credentials(HTTP_AUTHORIZATION=f"Bearer {other.raw_key}")
    foreign = _slack(theirs).json()
    path = f"{CONNECTIONS}/{foreign['id']}"
    assert api_client.get(path).status_code == 404
    assert api_client.patch(path, {"name": "mine"}, format="json").status_code == 404
    assert api_client.delete(path).status_code == 404
    assert (
        api_client.post(
            f"{path}/execute/chat.postMessage", {}, format="json", HTTP_IDEMPOTENCY_KEY="k"
        ).status_code
        == 404
    )
    assert api_client.get(CONNECTIONS).json()["results"] == []


def test_seed_002_install_update_uninstall(api_client):
    install = {
        "operation": "INSTALL",
        "connector_code": "whatsapp-business-cloud",
        "installation_config": {
            "access_token": "EAAG-secret",
            "phone_number_id": "1234567890",
            "business_account_id": "987",
            "webhook_verify_token": "verify-me",
        },
    }
    response = api_client.post("/api/v2/integrations/connectors", install, format="json")
    assert response.status_code == 201 and response.json()["success"] is True
    connection = Connection.objects.get()
    assert connection.connector == "whatsapp"
    assert connection.config == {"phone_number_id": "1234567890", "business_account_id": "987"}
    assert set(connection.credentials) == {"access_token", "webhook_verify_token"}
    assert "EAAG-secret" not in response.content.decode()

    update = {"operation": "UPDATE", "connector_code": "whatsapp-business-cloud",
              "installation_config": {"phone_number_id": "555"}}  # fmt: skip
    assert (
        api_client.post("/api/v2/integrations/connectors", update, format="json").status_code == 200
    )
    connection.refresh_from_db()
    assert connection.config["phone_number_id"] == "555"
    assert connection.credentials["access_token"] == "EAAG-secret"

    uninstall = {"operation": "UNINSTALL", "connector_code": "whatsapp-business-cloud"}
    assert api_client.post("/api/v2/integrations/connectors", uninstall, format="json").json()[
        "success"
    ]
    assert Connection.objects.count() == 0


def test_seed_002_install_with_a_missing_field_answers_in_its_shape(api_client):
    body = {"operation": "INSTALL", "connector_code": "whatsapp-business-cloud",
            "installation_config": {"phone_number_id": "1"}}  # fmt: skip
    response = api_client.post(
        "/api/v2/integrations/connectors",
        body,
        format="json",
        HTTP_X_ORGANIZATION_ID="someone-else",
    )
    assert response.status_code == 403
    response = api_client.post("/api/v2/integrations/connectors", body, format="json")
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "credentials.access_token" in response.json()["details"]
