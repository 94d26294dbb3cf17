"""Seed 000's provider endpoint, handshakes and list bodies through the real views."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from connectors.sandbox import webhooks as signers
from tests.connectors.providers.inbound_support import fixture_paths
from tests.webhooks.inbound.conftest import post_signed
from webhooks.inbound import provider_endpoint
from webhooks.inbound.models import InboundEvent, RegistrationKind, WebhookRegistration
from webhooks.inbound.registrations import webhook_url

pytestmark = pytest.mark.django_db
HUBSPOT_SECRET = "seed-000-hubspot-secret"
FIXTURES = Path(__file__).parents[2] / "fixtures"
ENDPOINT = "http://testserver/api/v1/connectors/hubspot/webhook"


@pytest.fixture
def seed_000(tenant, settings, monkeypatch):
    settings.CONNECTOR_WEBHOOK_TENANT = tenant.slug
    monkeypatch.setenv("CONNECTOR_HMAC_SECRET_HUBSPOT", HUBSPOT_SECRET)
    provider_endpoint._cache.clear()
    yield tenant
    provider_endpoint._cache.clear()


def _hubspot_events() -> bytes:
    return fixture_paths("hubspot")[0].read_bytes()


def test_seed_000_endpoint_verifies_the_seed_variant_and_stores_a_list_body(seed_000):
    body = json.dumps(json.loads(_hubspot_events()) * 1).encode()
    signed = signers.hubspot_request(ENDPOINT, HUBSPOT_SECRET, body, version="seed")
    response = post_signed(APIClient(), signed)
    assert response.status_code == 202 and response.json()["accepted"] >= 1
    registration = WebhookRegistration.objects.get(kind=RegistrationKind.PROVIDER_ENDPOINT)
    assert registration.tenant == seed_000 and registration.provider == "hubspot"
    assert (
        InboundEvent.objects.filter(registration=registration).count()
        == response.json()["accepted"]
    )


def test_seed_000_endpoint_refuses_a_wrong_signature(seed_000):
    signed = signers.hubspot_request(ENDPOINT, "another-secret", _hubspot_events(), version="seed")
    assert post_signed(APIClient(), signed).status_code == 401
    assert InboundEvent.objects.count() == 0


def test_signature_bypass_works_only_with_debug(seed_000, settings):
    settings.CONNECTOR_SIGNATURE_BYPASS = True
    unsigned = signers.SignedRequest("POST", ENDPOINT, {}, _hubspot_events())
    settings.DEBUG = False
    provider_endpoint._cache.clear()
    assert post_signed(APIClient(), unsigned).status_code == 401
    settings.DEBUG = True
    provider_endpoint._cache.clear()
    assert post_signed(APIClient(), unsigned).status_code == 202


def test_without_a_tenant_setting_the_endpoint_is_404(settings):
    settings.CONNECTOR_WEBHOOK_TENANT = ""
    unsigned = signers.SignedRequest("POST", ENDPOINT, {}, b"[]")
    assert post_signed(APIClient(), unsigned).status_code == 404


def test_meta_handshake_through_the_view(tenant):
    registration = WebhookRegistration.objects.create(
        tenant=tenant, provider="meta", event_types=["*"], secret="app-secret-123456",
        config={"verify_token": "let-me-in"},
    )  # fmt: skip
    client = APIClient()
    path = f"/webhooks/{registration.id}"
    good = client.get(path, {"hub.mode": "subscribe", "hub.verify_token": "let-me-in",
                             "hub.challenge": "1158201444"})  # fmt: skip
    assert good.status_code == 200 and good.content == b"1158201444"
    bad = client.get(path, {"hub.mode": "subscribe", "hub.verify_token": "nope",
                            "hub.challenge": "1158201444"})  # fmt: skip
    assert bad.status_code == 403


def test_slack_url_verification_through_the_view(tenant, settings):
    settings.PUBLIC_BASE_URL = "http://testserver"
    registration = WebhookRegistration.objects.create(
        tenant=tenant, provider="slack", event_types=["*"], secret="slack-signing-secret-0001",
    )  # fmt: skip
    challenge = {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                 "type": "url_verification"}  # fmt: skip
    signed = signers.slack_request(webhook_url(registration), registration.secret, challenge)
    response = post_signed(APIClient(), signed)
    assert response.status_code == 200 and response.json() == {"challenge": challenge["challenge"]}
    assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("provider", "header", "fixture"),
    [
        ("hubspot", "X-HubSpot-Signature", "hubspot/contact_created.json"),
        ("salesforce", "X-Salesforce-Signature", "salesforce/Contact.created.json"),
        ("dynamics", "X-Dynamics-Signature", "dynamics/contact_created.json"),
    ],
)
def test_seed_000_signs_each_provider_as_its_document_says(
    seed_000, monkeypatch, provider, header, fixture
):
    """Seed 000: hex HMAC-SHA256 of the raw body under a header named per provider."""
    secret = f"seed-000-{provider}-secret"
    monkeypatch.setenv(f"CONNECTOR_HMAC_SECRET_{provider.upper()}", secret)
    body = (FIXTURES / fixture).read_bytes()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = APIClient().post(
        f"/api/v1/connectors/{provider}/webhook",
        body,
        content_type="application/json",
        headers={header: signature},
    )
    assert response.status_code == 202, response.content
    assert InboundEvent.objects.filter(registration__provider=provider).exists()
