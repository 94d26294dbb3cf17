"""Inbound secret rotation: the new secret verifies at once, the old one beside it until
``INBOUND_SECRET_GRACE_SECONDS`` have passed, then no more. Old secrets are encrypted at rest
and shown nowhere."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from connectors.connections import create_connection, update_connection
from connectors.sandbox import webhooks as signers
from tests.webhooks.inbound.conftest import GITHUB_SECRET, post_signed
from webhooks.inbound import registrations, registry
from webhooks.inbound.models import WebhookRegistration
from webhooks.inbound.registrations import webhook_url

pytestmark = pytest.mark.django_db
PING = {"zen": "Keep it logically awesome."}


@pytest.fixture
def own_secret_registration(tenant):
    """A GitHub registration holding its own secret (no connection holds one for it)."""
    return WebhookRegistration.objects.create(
        tenant=tenant, provider="github", event_types=["*"], secret=GITHUB_SECRET
    )


def _status(registration, secret: str) -> int:
    signed = signers.github_request(webhook_url(registration), secret, PING, event="ping")
    return post_signed(APIClient(), signed).status_code


@pytest.fixture
def clock(monkeypatch):
    """The wall clock, moved forward on demand (rotation and verification both read it)."""
    offset = [0.0]
    real = time.time
    monkeypatch.setattr("time.time", lambda: real() + offset[0])

    def move(seconds: float) -> None:
        offset[0] += seconds
        registry._cache.clear()  # as another process loading the registration then would

    return move


def test_the_old_secret_verifies_beside_the_new_one_until_the_grace_period_ends(
    own_secret_registration, settings, clock
):
    settings.INBOUND_SECRET_GRACE_SECONDS = 3600
    registration = own_secret_registration
    new = registrations.rotate_secret(registration=registration)
    assert (_status(registration, new), _status(registration, GITHUB_SECRET)) == (202, 202)
    clock(3500)
    assert _status(registration, GITHUB_SECRET) == 202
    clock(200)
    assert _status(registration, GITHUB_SECRET) == 401
    assert _status(registration, new) == 202
    assert _status(registration, "never-a-secret") == 401


def test_the_grace_period_defaults_to_a_day(settings):
    assert settings.INBOUND_SECRET_GRACE_SECONDS == 86400


def test_every_unexpired_old_secret_verifies_after_several_rotations(
    own_secret_registration, clock
):
    second = registrations.rotate_secret(registration=own_secret_registration)
    clock(600)
    third = registrations.rotate_secret(registration=own_secret_registration, secret="third-0123")
    assert third == "third-0123"
    for secret in (GITHUB_SECRET, second, third):
        assert _status(own_secret_registration, secret) == 202
    clock(86400 - 300)  # the first old secret's day is over, the second's not yet
    assert _status(own_secret_registration, GITHUB_SECRET) == 401
    assert _status(own_secret_registration, second) == 202


def test_no_grace_drops_every_old_secret_at_once(own_secret_registration, settings):
    registrations.rotate_secret(registration=own_secret_registration)
    settings.INBOUND_SECRET_GRACE_SECONDS = 0  # a leaked secret: cut it off now
    new = registrations.rotate_secret(registration=own_secret_registration)
    assert _status(own_secret_registration, GITHUB_SECRET) == 401
    assert _status(own_secret_registration, new) == 202


def test_a_secret_changed_on_the_connection_keeps_the_old_one_verifying(tenant, clock):
    github = create_connection(
        tenant=tenant, connector="github", credentials={"webhook_secret": GITHUB_SECRET}
    )
    registration = registrations.create_registration(
        tenant=tenant, integration_id="github", connection_id=github.id, events=["*"]
    ).registration
    update_connection(connection=github, changes={"credentials": {"webhook_secret": "s2-0123"}})
    assert (_status(registration, "s2-0123"), _status(registration, GITHUB_SECRET)) == (202, 202)
    clock(86400 + 1)
    assert (_status(registration, "s2-0123"), _status(registration, GITHUB_SECRET)) == (202, 401)


def test_the_admin_rotation_keeps_the_old_secret_verifying_and_says_so(staff_client, tenant):
    slack = create_connection(tenant=tenant, connector="slack", credentials={"bot_token": "x"})
    created = registrations.create_registration(
        tenant=tenant, integration_id="slack", connection_id=slack.id, events=["*"]
    )
    response = staff_client.post(
        "/admin/webhooks/webhookregistration/",
        {"action": "rotate_secret", "_selected_action": [str(created.registration.id)]},
        follow=True,
    )
    assert b"The old one keeps verifying for 24 hours" in response.content
    new = re.search(rb"<code>([^<]+)</code>", response.content).group(1).decode()
    url = webhook_url(created.registration)
    body = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_mention"}}
    for secret in (created.secret, new):
        signed = signers.slack_request(url, secret, {**body, "event_id": secret[-8:]})
        assert post_signed(APIClient(), signed).status_code == 202


def test_old_secrets_are_encrypted_at_rest_and_shown_nowhere(
    own_secret_registration, staff_client, api_client
):
    registrations.rotate_secret(registration=own_secret_registration)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT previous_secrets FROM webhooks_webhookregistration WHERE id = %s",
            [own_secret_registration.id],
        )
        (stored,) = cursor.fetchone()
    assert stored and GITHUB_SECRET not in stored
    page = staff_client.get(
        f"/admin/webhooks/webhookregistration/{own_secret_registration.id}/change/"
    )
    assert page.status_code == 200 and GITHUB_SECRET.encode() not in page.content
    detail = api_client.get(f"/webhooks/{own_secret_registration.id}")
    assert detail.status_code == 200 and GITHUB_SECRET not in detail.content.decode()
