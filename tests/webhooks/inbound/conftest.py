from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from connectors.connections import create_connection
from connectors.sandbox import webhooks as signers
from webhooks.inbound import registry
from webhooks.inbound.models import WebhookRegistration

GITHUB_SECRET = "It's a Secret to Everybody"


@pytest.fixture(autouse=True)
def fresh_registration_cache():
    registry._cache.clear()
    yield
    registry._cache.clear()


@pytest.fixture
def github_connection(tenant):
    return create_connection(
        tenant=tenant, connector="github", credentials={"webhook_secret": GITHUB_SECRET}
    )


@pytest.fixture
def github_registration(tenant, github_connection):
    return WebhookRegistration.objects.create(
        tenant=tenant,
        provider="github",
        connection=github_connection,
        event_types=["*"],
        secret=GITHUB_SECRET,
    )


def github_delivery(url: str, payload: dict | bytes, *, event: str = "ping", delivery=None):
    """A request signed exactly as GitHub signs it (the sandbox's signer)."""
    return signers.github_request(
        url, GITHUB_SECRET, payload, event=event, delivery=delivery or str(uuid.uuid4())
    )


def post_signed(client: APIClient, signed, **extra) -> object:
    path = signed.url.split("://", 1)[1].split("/", 1)[1]
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.headers.items()}
    headers.pop("HTTP_CONTENT_TYPE", None)
    return client.generic(
        "POST", "/" + path, signed.body, content_type="application/json", **headers, **extra
    )


@pytest.fixture
def registrations(tenant):
    """One active registration per inbound provider, for the property tests."""
    registry._cache.clear()
    return {
        code: WebhookRegistration.objects.create(
            tenant=tenant,
            provider=code,
            event_types=["*"],
            secret="random-secret-0123456789",
            config={
                "verify_token": "vt",
                "service_account_email": "sa@example.iam.gserviceaccount.com",
            },
        )
        for code in registry.INBOUND_PROVIDERS
    }
