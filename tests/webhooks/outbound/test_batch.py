"""A task's batch: claimed together, successes recorded together, the rest one by one."""

from __future__ import annotations

import pytest

from tests.factories import make_subscription
from tests.receiver import Reply
from webhooks.outbound.batch import deliver_many
from webhooks.outbound.models import Delivery, DeliveryAttempt, DeliveryStatus
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db


def test_a_mixed_batch_settles_each_delivery_by_its_own_outcome(tenant, receiver, subscribed):
    receiver.reply_with(Reply(status=200), Reply(status=503), Reply(status=204), Reply(status=400))
    ids = [publish(tenant, "client.created", {"n": n}).deliveries[0].id for n in range(4)]
    assert deliver_many(delivery_ids=ids) == 4
    statuses = [Delivery.objects.get(pk=i).status for i in ids]
    assert statuses == [
        DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED, DeliveryStatus.SUCCEEDED,
        DeliveryStatus.DEAD,
    ]  # fmt: skip
    assert sorted(DeliveryAttempt.objects.values_list("response_status", flat=True)) == [
        200, 204, 400, 503,
    ]  # fmt: skip
    done = Delivery.objects.get(pk=ids[2])
    assert (done.attempts, done.total_attempts, done.last_status_code) == (1, 1, 204)
    assert done.lease_expires_at is None and done.succeeded_at is not None
    assert deliver_many(delivery_ids=ids) == 0  # nothing due any more


def test_a_batch_skips_what_another_worker_holds(tenant, receiver, subscribed):
    ids = [publish(tenant, "client.created", {"n": n}).deliveries[0].id for n in range(2)]
    from webhooks.outbound.delivery import claim_many

    claim_many(delivery_ids=ids[:1])  # another worker has the first one
    assert deliver_many(delivery_ids=ids) == 1
    assert len(receiver.requests) == 1


def test_deliveries_of_other_subscriptions_in_one_batch(tenant, receiver):
    make_subscription(tenant=tenant, url=receiver.url, events=["client.created"])
    make_subscription(tenant=tenant, url=receiver.url, events=["client.*"])
    published = publish(tenant, "client.created", {"n": 1})
    assert deliver_many(delivery_ids=[d.id for d in published.deliveries]) == 2
    assert {r.header("webhook-id") for r in receiver.requests} == {
        str(d.id) for d in published.deliveries
    }
