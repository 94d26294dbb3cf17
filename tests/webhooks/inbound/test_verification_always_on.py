"""No registration's config can turn signature verification off: the key that used to is
refused when registering, and a row that still carries it is verified all the same on every
receive path (direct, the lean chain, Django's views). Only seed 000's
``CONNECTOR_SIGNATURE_BYPASS`` skips verification, and only with DEBUG on."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from rest_framework.test import APIClient

from tests.webhooks.inbound.conftest import github_delivery, post_signed
from tests.webhooks.inbound.test_lean_wsgi import PING, call_wsgi
from webhooks.inbound.admin import WebhookRegistrationAdmin
from webhooks.inbound.models import InboundEvent, WebhookRegistration
from webhooks.inbound.registrations import webhook_url

pytestmark = pytest.mark.django_db


def test_registering_with_signature_bypass_is_a_400_naming_the_key(api_client, github_connection):
    response = api_client.post(
        "/integrations/github/webhooks",
        {
            "connectionId": str(github_connection.id),
            "events": ["push"],
            "config": {"signature_bypass": True},
        },
        format="json",
    )
    assert response.status_code == 400
    assert "signature_bypass" in response.json()["errors"]["config"][0]
    assert not WebhookRegistration.objects.exists()


def test_the_model_refuses_the_key_for_any_form(github_registration):
    from django.core.exceptions import ValidationError

    github_registration.config = {"signature_bypass": "yes"}
    with pytest.raises(ValidationError, match="signature_bypass"):
        github_registration.full_clean()
    assert "config" not in WebhookRegistrationAdmin.fields  # the admin doesn't edit it either


def _receive_paths(registration):
    """The same unsigned and wrongly signed deliveries by each way a POST arrives."""
    url = webhook_url(registration)
    unsigned = github_delivery(url, PING)
    unsigned.headers.pop("X-Hub-Signature-256")
    forged = github_delivery(url, PING)
    forged.headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    with_query = github_delivery(url + "?source=github", PING)
    with_query.headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    return {
        "direct": [lambda: call_wsgi(unsigned), lambda: call_wsgi(forged)],
        "lean chain": [lambda: call_wsgi(with_query)],
        "django views": [
            lambda: post_signed(APIClient(), unsigned),
            lambda: post_signed(APIClient(), forged),
        ],
    }


def test_a_stored_signature_bypass_is_ignored_on_every_receive_path(
    tenant, github_connection, settings
):
    settings.DEBUG = False
    registration = WebhookRegistration.objects.create(
        tenant=tenant, provider="github", connection=github_connection, event_types=["*"],
        secret="It's a Secret to Everybody", config={"signature_bypass": True},
    )  # fmt: skip
    for path, sends in _receive_paths(registration).items():
        for send in sends:
            assert send().status_code == 401, path
    assert not InboundEvent.objects.exists()
    settings.DEBUG = True  # not even in development: only seed 000's setting bypasses
    for path, sends in _receive_paths(registration).items():
        assert sends[0]().status_code == 401, path


def test_the_migration_strips_the_key_from_stored_registrations(tenant, github_connection):
    registration = WebhookRegistration.objects.create(
        tenant=tenant, provider="github", connection=github_connection, event_types=["*"],
        secret="s3cret-s3cret", config={"signature_bypass": True, "auth": "header"},
    )  # fmt: skip
    migration = importlib.import_module("webhooks.migrations.0006_registration_config_refused_keys")
    migration.strip_refused_keys(global_apps, None)
    registration.refresh_from_db()
    assert registration.config == {"auth": "header"}
