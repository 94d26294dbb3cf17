"""A subscription's custom headers (``Authorization`` and the like) are encrypted at rest; the
API shows their names with credential-like values redacted, and sending the redaction marker
back keeps the stored value: a GET -> PATCH round trip never overwrites a credential."""

from __future__ import annotations

import importlib
import json
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.utils import timezone

from tests.factories import make_subscription
from webhooks.outbound.delivery import deliver
from webhooks.outbound.models import Delivery, Subscription

pytestmark = pytest.mark.django_db
SUBS = "/api/v1/subscriptions"
TOKEN = "Bearer t0k-original-9f2c"


def _stored_column(subscription_id) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT headers FROM {Subscription._meta.db_table} WHERE id = %s", [subscription_id]
        )
        return cursor.fetchone()[0]


def test_a_get_patch_round_trip_keeps_the_credential_a_delivery_sends(api_client, receiver):
    created = api_client.post(
        SUBS,
        {"url": receiver.url, "events": ["*"], "headers": {"Authorization": TOKEN, "X-Env": "a"}},
        format="json",
    )
    assert created.status_code == 201
    url = f"{SUBS}/{created.json()['id']}"
    shown = api_client.get(url).json()
    assert shown["headers"] == {"Authorization": "[redacted]", "X-Env": "a"}
    # A client edits one header and sends back everything it was shown.
    edited = {**shown["headers"], "X-Env": "b"}
    patched = api_client.patch(url, {"headers": edited, "description": "x"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["headers"] == {"Authorization": "[redacted]", "X-Env": "b"}
    subscription = Subscription.objects.get(pk=created.json()["id"])
    assert subscription.headers == {"Authorization": TOKEN, "X-Env": "b"}

    tested = api_client.post(f"{url}/test")
    assert tested.status_code == 202
    delivery = Delivery.objects.get(subscription=subscription)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    deliver(delivery_id=delivery.pk)
    (request,) = receiver.wait_for(1)
    assert request.header("authorization") == TOKEN
    assert request.header("x-env") == "b"


def test_the_marker_for_a_header_not_stored_is_a_400_naming_it(api_client):
    created = api_client.post(
        SUBS,
        {"url": "http://127.0.0.1:9/hook", "events": ["*"], "headers": {"X-Env": "a"}},
        format="json",
    )
    url = f"{SUBS}/{created.json()['id']}"
    refused = api_client.patch(url, {"headers": {"X-Api-Key": "[redacted]"}}, format="json")
    assert refused.status_code == 400
    assert "X-Api-Key" in json.dumps(refused.json())
    marker_on_create = api_client.post(
        SUBS,
        {
            "url": "http://127.0.0.1:9/h",
            "events": ["*"],
            "headers": {"Authorization": "[redacted]"},
        },
        format="json",
    )
    assert marker_on_create.status_code == 400
    assert Subscription.objects.get(pk=created.json()["id"]).headers == {"X-Env": "a"}


def test_headers_are_encrypted_at_rest(tenant):
    subscription, _ = make_subscription(
        tenant=tenant, url="http://127.0.0.1:9/hook", headers={"Authorization": TOKEN}
    )
    stored = _stored_column(subscription.pk)
    assert "t0k-original" not in str(stored) and "Authorization" not in str(stored)
    subscription.refresh_from_db()
    assert subscription.headers == {"Authorization": TOKEN}


def test_the_migration_encrypts_rows_stored_in_plaintext(tenant):
    subscription, _ = make_subscription(tenant=tenant, url="http://127.0.0.1:9/hook", headers={})
    with connection.cursor() as cursor:  # as a row written before the field was encrypted
        cursor.execute(
            f"UPDATE {Subscription._meta.db_table} SET headers = %s WHERE id = %s",
            [json.dumps({"Authorization": TOKEN}), subscription.pk],
        )
    migration = importlib.import_module("webhooks.migrations.0007_subscription_headers_encrypted")
    editor = SimpleNamespace(connection=connection)
    migration.encrypt_headers(global_apps, editor)
    migration.encrypt_headers(global_apps, editor)  # a second run changes nothing
    assert "t0k-original" not in _stored_column(subscription.pk)
    subscription.refresh_from_db()
    assert subscription.headers == {"Authorization": TOKEN}
