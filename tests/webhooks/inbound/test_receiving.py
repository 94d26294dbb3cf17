"""Receiving at ``/webhooks/<id>``: verify on the raw body, store once, answer 202; refuse
what isn't signed, isn't readable or is too big, without storing anything."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from tests.webhooks.inbound.conftest import github_delivery, post_signed
from webhooks.inbound.models import InboundEvent, InboundStatus, WebhookRegistration
from webhooks.inbound.processing import process_all
from webhooks.inbound.registrations import webhook_url
from webhooks.inbound.storing import may_hold_a_nul
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db
PING = {"zen": "Keep it logically awesome.", "hook_id": 42, "hook": {"type": "Repository"}}


@pytest.fixture
def provider():
    return APIClient()  # providers send no API key


def test_a_signed_delivery_is_stored_once_and_answered_202(provider, github_registration):
    signed = github_delivery(webhook_url(github_registration), PING, delivery="d-1")
    first = post_signed(provider, signed)
    assert first.status_code == 202
    assert first.json() == {"success": True, "accepted": 1, "duplicates": 0}
    again = post_signed(provider, signed)
    assert again.json() == {"success": True, "accepted": 0, "duplicates": 1}
    event = InboundEvent.objects.get()
    assert (event.event_type, event.dedupe_key, event.status) == ("ping", "d-1", "pending")
    assert bytes(event.raw_body) == signed.body
    assert event.headers["x-github-event"] == "ping"


def test_a_bad_signature_is_401_stores_nothing_and_shows_in_health(
    provider, api_client, github_registration
):
    signed = github_delivery(webhook_url(github_registration), PING)
    signed.headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    response = post_signed(provider, signed)
    assert response.status_code == 401 and response.json()["success"] is False
    assert InboundEvent.objects.count() == 0
    github_registration.refresh_from_db()
    assert github_registration.signature_failures == 1
    health = api_client.get(f"/webhooks/{github_registration.id}/health").json()
    assert health["status"] == "degraded" and health["failureCount"] == 1
    assert any("secret" in advice for advice in health["recommendations"])


def test_malformed_json_is_400_and_stores_nothing(provider, github_registration):
    signed = github_delivery(webhook_url(github_registration), b"{not json")
    assert post_signed(provider, signed).status_code == 400
    assert InboundEvent.objects.count() == 0


def test_an_oversized_body_is_413(provider, github_registration, settings):
    settings.INBOUND_MAX_BODY_BYTES = 1000
    signed = github_delivery(webhook_url(github_registration), {"blob": "x" * 2000})
    assert post_signed(provider, signed).status_code == 413
    assert InboundEvent.objects.count() == 0


def test_the_rate_limit_answers_429_with_retry_after(provider, github_registration, settings):
    settings.INBOUND_RATE_LIMIT_PER_SECOND = 2
    statuses = [
        post_signed(provider, github_delivery(webhook_url(github_registration), PING)).status_code
        for _ in range(5)
    ]
    assert statuses.count(429) >= 2 and statuses[0] == 202
    limited = post_signed(provider, github_delivery(webhook_url(github_registration), PING))
    assert limited.status_code == 429 and limited["Retry-After"] == "1"


def test_unknown_and_disabled_registrations_are_404(provider, github_registration):
    from webhooks.inbound.registrations import set_status

    set_status(registration=github_registration, status="disabled")
    response = post_signed(provider, github_delivery(webhook_url(github_registration), PING))
    assert response.status_code == 404


def test_processing_publishes_to_subscribers_and_honours_the_filter(
    provider, tenant, github_registration
):
    from tests.factories import make_subscription

    make_subscription(tenant=tenant, url="http://127.0.0.1:9/gh", events=["github.*"])
    url = webhook_url(github_registration)
    post_signed(provider, github_delivery(url, PING, event="ping", delivery="p-1"))
    assert process_all() == 1
    WebhookRegistration.objects.filter(pk=github_registration.pk).update(event_types=["push"])
    post_signed(provider, github_delivery(url, PING, event="ping", delivery="p-2"))
    assert process_all() == 1
    statuses = dict(InboundEvent.objects.values_list("dedupe_key", "status"))
    assert statuses == {"p-1": InboundStatus.PROCESSED, "p-2": InboundStatus.IGNORED}
    published = Event.objects.get(event_type="github.ping")
    assert published.payload["data"]["zen"] == PING["zen"]
    assert published.deliveries.count() == 1
    assert process_all() == 0  # nothing twice


def test_stored_headers_leave_out_credentials(provider, github_registration):
    signed = github_delivery(webhook_url(github_registration), PING)
    signed.headers["Authorization"] = "Bearer not-to-be-kept"
    post_signed(provider, signed)
    assert "authorization" not in InboundEvent.objects.get().headers
    assert "not-to-be-kept" not in json.dumps(InboundEvent.objects.get().headers)


def test_a_payload_postgres_cannot_store_as_json_is_kept_as_raw_body(provider, github_registration):
    body = b'{"zen": "nul \\u0000 inside", "hook_id": 1}'
    response = post_signed(provider, github_delivery(webhook_url(github_registration), body))
    assert response.status_code == 202
    event = InboundEvent.objects.get()
    assert event.payload == {"unstorable_json": True} and bytes(event.raw_body) == body


@pytest.mark.parametrize(
    ("body", "may_hold"),
    [
        (b'{"a": "\\u0000"}', True),
        (b"payload=%7B%22a%22%3A%22%00%22%7D", True),
        (b'{"a": "\x00"}', True),
        (b'{"a": "line\\nbreak \\u00e9"}', False),
        (b"payload=%7B%22a%22%3A1%7D", False),
        (b'{"a": "0000 u0000 %0"}', False),
    ],
)
def test_only_a_body_that_may_carry_a_nul_has_its_payload_checked(body, may_hold):
    assert may_hold_a_nul(body) is may_hold


def test_a_payload_that_is_the_whole_body_is_stored_once(provider, github_registration):
    signed = github_delivery(webhook_url(github_registration), PING, delivery="once")
    assert post_signed(provider, signed).status_code == 202
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload, payload_in_body FROM webhooks_inboundevent")
        assert cursor.fetchall() == [(None, True)]  # no jsonb copy of the body
    assert InboundEvent.objects.get().payload == PING


def test_events_of_a_list_body_keep_their_own_payloads(provider, tenant):
    from connectors.sandbox import webhooks as signers

    registration = WebhookRegistration.objects.create(
        tenant=tenant, provider="standard", event_types=["*"], secret="whsec_" + "MfKQ" * 8
    )
    items = [{"type": "invoice.paid", "data": {"n": n}} for n in range(2)]
    signed = signers.build("standard", webhook_url(registration), registration.secret, items)
    response = post_signed(provider, signed)
    assert response.status_code == 202
    stored = InboundEvent.objects.order_by("stored_payload__data__n")
    assert [(e.payload_in_body, e.payload) for e in stored] == [(False, item) for item in items]


def test_processing_reads_a_body_held_payload_without_another_query(
    provider, github_registration, django_assert_num_queries
):
    from webhooks.inbound.processing import _claim

    post_signed(provider, github_delivery(webhook_url(github_registration), PING))
    with transaction.atomic():
        (event,) = _claim(limit=10)
        with django_assert_num_queries(0):
            assert event.payload == PING
