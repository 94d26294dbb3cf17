"""Delivering to a real local receiver, one attempt at a time, through the delivery service
(the same call the Celery task makes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from tests.factories import make_subscription
from tests.receiver import Reply
from webhooks.outbound import subscriptions
from webhooks.outbound.delivery import claim_many, deliver
from webhooks.outbound.models import Delivery, DeliveryStatus, Event
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db


def _publish_one(tenant, event_type="client.created", payload=None) -> Delivery:
    published = publish(tenant, event_type, payload or {"name": "Ada"})
    assert len(published.deliveries) == 1
    return published.deliveries[0]


def _attempt(delivery: Delivery) -> Delivery:
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def test_success_sends_a_signed_envelope_with_all_headers(tenant, receiver):
    subscription, secret = make_subscription(
        tenant=tenant, url=receiver.url, headers={"X-Team": "crm", "Authorization": "Bearer t0k"}
    )
    delivery = _attempt(_publish_one(tenant, payload={"name": "Åse"}))
    (request,) = receiver.requests
    assert request.header("webhook-id") == str(delivery.id)
    assert request.header("x-webhook-event") == "client.created"
    assert request.header("x-webhook-event-id") == str(delivery.event_id)
    assert request.header("x-webhook-retry") is None
    assert request.header("user-agent").startswith("Switchboard-Webhooks")
    assert request.header("x-team") == "crm" and request.header("authorization") == "Bearer t0k"
    standard = {k: v for k, v in request.headers.items() if k.startswith("webhook-")}
    assert Webhook(secret).verify(request.body, standard)["data"] == {"name": "Åse"}
    assert request.json()["event"] == request.json()["type"] == "client.created"
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.succeeded_at
    (attempt,) = delivery.attempt_log.all()
    assert attempt.response_status == 200 and attempt.number == 1
    assert attempt.request_headers["Authorization"] == "[redacted]"
    subscription.refresh_from_db()
    assert subscription.last_success_at and subscription.consecutive_failures == 0


def test_server_error_schedules_a_jittered_retry_then_marks_the_retry(
    tenant, receiver, subscribed, settings
):
    settings.OUTBOUND_RETRY_SCHEDULE = [30, 60]
    receiver.reply_with(Reply(status=503))
    before = timezone.now()
    delivery = _attempt(_publish_one(tenant))
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 503
    assert before <= delivery.next_attempt_at <= before + timedelta(seconds=31)
    delivery = _attempt(delivery)
    assert receiver.requests[1].header("x-webhook-retry") == "2"
    assert receiver.requests[1].header("webhook-id") == receiver.requests[0].header("webhook-id")
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.total_attempts == 2


@pytest.mark.parametrize("retry_after", ["120", "HTTP-DATE"])
def test_retry_after_is_honoured(tenant, receiver, subscribed, settings, retry_after):
    from email.utils import format_datetime

    settings.OUTBOUND_RETRY_SCHEDULE = [1]
    if retry_after == "HTTP-DATE":
        retry_after = format_datetime(timezone.now() + timedelta(seconds=120), usegmt=True)
    receiver.reply_with(Reply(status=429, headers={"Retry-After": retry_after}))
    delivery = _attempt(_publish_one(tenant))
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert delivery.status == DeliveryStatus.FAILED and 115 <= wait <= 121


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried_and_become_dead_letters(
    tenant, receiver, subscribed, status
):
    receiver.reply_with(Reply(status=status))
    delivery = _attempt(_publish_one(tenant))
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 1 and delivery.dead_at
    assert deliver(delivery_id=delivery.pk) is None  # nothing more to do for it
    dead_event = Event.objects.get(tenant=tenant, event_type="delivery.dead")
    assert dead_event.payload["delivery_id"] == str(delivery.id)
    assert dead_event.payload["last_status_code"] == status


def test_gone_disables_the_subscription(tenant, receiver, subscribed):
    receiver.reply_with(Reply(status=410))
    delivery = _attempt(_publish_one(tenant))
    subscribed.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD
    assert not subscribed.enabled and "410" in subscribed.disabled_reason
    assert publish(tenant, "client.updated", {}).deliveries == []


def test_the_last_attempt_makes_a_dead_letter(tenant, receiver, settings):
    settings.OUTBOUND_RETRY_SCHEDULE = [1]
    make_subscription(tenant=tenant, url=receiver.url, max_attempts=3)
    receiver.default = Reply(status=500)
    delivery = _publish_one(tenant)
    for expected in (DeliveryStatus.FAILED, DeliveryStatus.FAILED, DeliveryStatus.DEAD):
        delivery = _attempt(delivery)
        assert delivery.status == expected
    assert len(receiver.requests) == 3 and delivery.attempt_log.count() == 3
    assert Event.objects.filter(tenant=tenant, event_type="delivery.dead").count() == 1


def test_network_error_and_timeout_are_retried(tenant, receiver):
    make_subscription(tenant=tenant, url="http://127.0.0.1:9/closed", events=["client.created"])
    make_subscription(tenant=tenant, url=receiver.url, events=["client.updated"], timeout_seconds=1)
    receiver.reply_with(Reply(delay=2))
    refused = _attempt(_publish_one(tenant, "client.created"))
    timed_out = _attempt(_publish_one(tenant, "client.updated"))
    assert refused.status == timed_out.status == DeliveryStatus.FAILED
    assert "ConnectionError" in refused.last_error and refused.last_status_code is None
    assert "Timeout" in timed_out.last_error


def test_redirects_are_not_followed(tenant, receiver, subscribed):
    receiver.reply_with(Reply(status=302, headers={"Location": receiver.url + "/elsewhere"}))
    delivery = _attempt(_publish_one(tenant))
    assert len(receiver.requests) == 1
    assert delivery.last_status_code == 302 and delivery.status == DeliveryStatus.FAILED


def test_private_targets_are_refused_unless_allowed(tenant, receiver, subscribed, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    from webhooks.outbound import delivery as delivery_module

    delivery_module._sessions.__dict__.clear()  # sessions read the setting when built
    delivery = _attempt(_publish_one(tenant))
    delivery_module._sessions.__dict__.clear()
    assert receiver.requests == []
    assert delivery.status == DeliveryStatus.DEAD
    assert "127.0.0.1" in delivery.last_error


def test_response_bodies_are_truncated(tenant, receiver, subscribed, settings):
    settings.OUTBOUND_RESPONSE_BODY_LIMIT = 1024
    receiver.reply_with(Reply(status=500, body=b"x" * 5000))
    delivery = _attempt(_publish_one(tenant))
    assert len(delivery.attempt_log.get().response_body) == 1024


def test_open_circuit_holds_due_deliveries_without_spending_attempts(
    tenant, receiver, subscribed, settings
):
    settings.OUTBOUND_CIRCUIT_FAILURE_THRESHOLD = 2
    settings.OUTBOUND_CIRCUIT_COOLDOWN_SECONDS = 60
    receiver.default = Reply(status=500)
    _attempt(_publish_one(tenant))
    _attempt(_publish_one(tenant))
    subscribed.refresh_from_db()
    assert subscribed.circuit_open_until > timezone.now()
    held = _attempt(_publish_one(tenant))
    assert len(receiver.requests) == 2
    assert held.attempts == 0 and held.status == DeliveryStatus.PENDING
    assert held.next_attempt_at >= subscribed.circuit_open_until


def test_half_open_circuit_lets_one_probe_through_and_success_closes_it(
    tenant, receiver, subscribed
):
    from webhooks.outbound.models import Subscription

    Subscription.objects.filter(pk=subscribed.pk).update(
        consecutive_failures=9, circuit_open_until=timezone.now() - timedelta(seconds=1)
    )
    delivery = _attempt(_publish_one(tenant))
    subscribed.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert subscribed.circuit_open_until is None and subscribed.consecutive_failures == 0


def test_failing_continuously_past_the_limit_disables_the_subscription(
    tenant, receiver, subscribed
):
    from webhooks.outbound.models import Subscription

    Subscription.objects.filter(pk=subscribed.pk).update(
        failing_since=timezone.now() - timedelta(days=5, minutes=1), consecutive_failures=1
    )
    receiver.reply_with(Reply(status=500))
    _attempt(_publish_one(tenant))
    subscribed.refresh_from_db()
    assert not subscribed.enabled
    assert subscribed.disabled_reason.startswith("failing continuously since")


def test_a_claimed_delivery_cannot_be_claimed_twice(tenant, subscribed):
    delivery = _publish_one(tenant)
    assert len(claim_many(delivery_ids=[delivery.pk])) == 1
    assert claim_many(delivery_ids=[delivery.pk]) == []


def test_rotation_signs_with_both_secrets_during_the_grace_period(tenant, receiver):
    subscription, old_secret = make_subscription(tenant=tenant, url=receiver.url)
    new_secret = subscriptions.rotate_secret(subscription=subscription).secret
    _attempt(_publish_one(tenant))
    (request,) = receiver.requests
    standard = {k: v for k, v in request.headers.items() if k.startswith("webhook-")}
    assert len(request.header("webhook-signature").split()) == 2
    for secret in (old_secret, new_secret):
        Webhook(secret).verify(request.body, standard)


def test_after_the_grace_period_only_the_new_secret_signs(tenant, receiver):
    subscription, _old = make_subscription(tenant=tenant, url=receiver.url)
    subscriptions.rotate_secret(subscription=subscription, grace_seconds=0)
    _attempt(_publish_one(tenant))
    assert len(receiver.requests[0].header("webhook-signature").split()) == 1
