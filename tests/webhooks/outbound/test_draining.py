"""What a wake-up runs: claim whatever is due, batch after batch, until nothing is left; and a
slow receiver hands the rest of its batch back instead of holding it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.receiver import Reply
from webhooks.outbound import batch
from webhooks.outbound.delivery import claim_due, claim_many
from webhooks.outbound.models import Delivery, DeliveryStatus
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db


def _publish(tenant, count: int) -> list:
    return [publish(tenant, "client.created", {"n": n}).deliveries[0].id for n in range(count)]


def test_deliver_due_drains_every_due_delivery_in_batches(tenant, receiver, subscribed):
    ids = _publish(tenant, 7)
    assert batch.deliver_due(batch_size=3) == 7
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert {r.header("webhook-id") for r in receiver.requests} == {str(i) for i in ids}
    assert batch.deliver_due(batch_size=3) == 0


def test_deliver_due_takes_retries_whose_time_has_come_and_nothing_else(
    tenant, receiver, subscribed
):
    due_retry, later_retry, held, fresh = _publish(tenant, 4)
    now = timezone.now()
    Delivery.objects.filter(pk=due_retry).update(
        status=DeliveryStatus.FAILED, attempts=1, next_attempt_at=now - timedelta(seconds=1)
    )
    Delivery.objects.filter(pk=later_retry).update(
        status=DeliveryStatus.FAILED, attempts=1, next_attempt_at=now + timedelta(minutes=5)
    )
    claim_many(delivery_ids=[held])  # another worker is sending it

    assert batch.deliver_due() == 2
    assert {r.header("webhook-id") for r in receiver.requests} == {str(due_retry), str(fresh)}
    assert Delivery.objects.get(pk=later_retry).status == DeliveryStatus.FAILED
    assert Delivery.objects.get(pk=held).status == DeliveryStatus.IN_FLIGHT


def test_claim_due_takes_the_oldest_first(tenant, subscribed):
    ids = _publish(tenant, 3)
    Delivery.objects.filter(pk=ids[2]).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert [d.pk for d in claim_due(limit=2)] == [ids[2], ids[0]]


def test_a_slow_receiver_hands_the_rest_of_the_batch_back(
    tenant, receiver, subscribed, monkeypatch
):
    monkeypatch.setattr(batch, "BATCH_BUDGET_SECONDS", 0.2)
    receiver.reply_with(Reply(delay=0.5))
    first, *rest = _publish(tenant, 3)
    Delivery.objects.filter(pk__in=rest).update(status=DeliveryStatus.FAILED, attempts=1)

    assert batch.deliver_many(delivery_ids=[first, *rest]) == 3

    assert [r.header("webhook-id") for r in receiver.requests] == [str(first)]
    assert Delivery.objects.get(pk=first).status == DeliveryStatus.SUCCEEDED
    for handed_back in Delivery.objects.filter(pk__in=rest):  # due as they were, unleased
        assert handed_back.status == DeliveryStatus.FAILED
        assert handed_back.lease_expires_at is None and handed_back.total_attempts == 0
    assert batch.deliver_due() == 2  # any worker can claim them now
