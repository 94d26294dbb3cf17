"""Disabled means settled: a subscription's deliveries that were waiting to go when it is
disabled (by the API, the admin, a 410 or days of failure) are held, not left pending, not
thrown away; re-enabling it sends them. Nothing held is spent: attempts left stay left."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.utils import timezone

from tests.factories import make_subscription
from tests.receiver import Reply
from tests.webhooks.outbound.test_admin import act, shown_messages
from webhooks.outbound import dispatch, subscriptions
from webhooks.outbound.delivery import deliver
from webhooks.outbound.models import Delivery, DeliveryStatus, Event
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db
SUBS = "/api/v1/subscriptions"


def _publish(tenant, count: int) -> list[Delivery]:
    return [publish(tenant, "client.created", {"n": n}).deliveries[0] for n in range(count)]


def _send_due() -> None:
    for delivery in Delivery.objects.filter(status__in=["pending", "failed"]):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        deliver(delivery_id=delivery.pk)


def test_patch_disabled_holds_waiting_deliveries_and_enabled_sends_them(
    api_client, tenant, receiver, subscribed
):
    deliveries = _publish(tenant, 3)
    retrying = deliveries[0]  # one with a retry scheduled: an attempt spent, more to come
    Delivery.objects.filter(pk=retrying.pk).update(status="failed", attempts=1)

    answer = api_client.patch(f"{SUBS}/{subscribed.id}", {"enabled": False}, format="json")
    assert answer.status_code == 200
    shown = answer.json()
    assert shown["enabled"] is False and shown["disabled_reason"] == "disabled through the API"
    assert shown["held_deliveries"] == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.HELD}
    events = api_client.get("/api/v1/events").json()["results"]
    assert {d["status"] for e in events for d in e["deliveries"]} == {"held"}
    assert dispatch.sweep() == 0  # the sweeper leaves held deliveries alone
    assert deliver(delivery_id=retrying.pk) is None and receiver.requests == []

    answer = api_client.patch(f"{SUBS}/{subscribed.id}", {"enabled": True}, format="json")
    assert answer.json()["held_deliveries"] == 0
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses.pop(retrying.pk) == DeliveryStatus.FAILED  # a retry, as it was
    assert set(statuses.values()) == {DeliveryStatus.PENDING}
    assert not Delivery.objects.filter(next_attempt_at__gt=timezone.now()).exists()  # due now
    _send_due()
    assert len(receiver.requests) == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert Delivery.objects.get(pk=retrying.pk).total_attempts == 1  # held spent nothing


def test_a_delivery_claimed_after_its_subscription_was_disabled_is_held_unsent(
    tenant, receiver, subscribed
):
    """A publish racing the disable can still write a pending delivery: the worker that
    claims it holds it, and no ``delivery.dead`` event is published."""
    [delivery] = _publish(tenant, 1)
    type(subscribed).objects.filter(pk=subscribed.pk).update(enabled=False)
    deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.HELD and receiver.requests == []
    assert not Event.objects.filter(event_type="delivery.dead").exists()


def test_a_410_holds_the_subscriptions_other_deliveries(tenant, receiver, subscribed):
    first, second = _publish(tenant, 2)
    receiver.reply_with(Reply(status=410))
    deliver(delivery_id=first.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == DeliveryStatus.DEAD  # the one the endpoint refused
    assert second.status == DeliveryStatus.HELD
    subscriptions.set_enabled(subscription=subscribed, enabled=True)
    second.refresh_from_db()
    assert second.status == DeliveryStatus.PENDING


def test_the_admin_says_how_many_deliveries_disabling_held(staff_client, tenant, receiver):
    subscription, _ = make_subscription(tenant=tenant, url=receiver.url)
    _publish(tenant, 2)
    response = act(staff_client, "subscription", "disable", [subscription])
    assert shown_messages(response) == [
        "Disabled 1 subscription(s); 2 waiting deliveries are held until re-enabled."
    ]
    response = act(staff_client, "subscription", "enable", [subscription])
    assert shown_messages(response) == [
        "Enabled 1 subscription(s); 2 held deliveries are on their way."
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}


def test_the_failure_that_disables_a_subscription_holds_its_own_delivery(
    tenant, receiver, subscribed
):
    """Failing for days disables the subscription; the delivery whose failure did it is held
    with the rest (its retry would only be held later), not left "retry scheduled"."""
    failing, waiting = _publish(tenant, 2)
    type(subscribed).objects.filter(pk=subscribed.pk).update(
        failing_since=timezone.now() - timedelta(days=6), consecutive_failures=1
    )
    receiver.reply_with(Reply(status=500))
    deliver(delivery_id=failing.pk)
    subscribed.refresh_from_db()
    assert not subscribed.enabled
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses == {failing.pk: DeliveryStatus.HELD, waiting.pk: DeliveryStatus.HELD}
    assert Delivery.objects.get(pk=failing.pk).attempts == 1  # the attempt it made counts


def test_upgrading_holds_what_already_waited_for_a_disabled_subscription(tenant, subscribed):
    """Before ``held`` existed, a disabled subscription's deliveries stayed pending."""
    from django.apps import apps

    migration = import_module("webhooks.migrations.0008_delivery_held")
    [delivery] = _publish(tenant, 1)
    type(subscribed).objects.filter(pk=subscribed.pk).update(enabled=False)
    migration.hold_waiting_deliveries_of_disabled_subscriptions(apps, None)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.HELD
