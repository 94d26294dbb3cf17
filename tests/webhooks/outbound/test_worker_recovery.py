"""Nothing lost: real Celery worker processes, a real receiver, and the failures that lose
deliveries in naive systems — a worker SIGKILLed mid-delivery and the broker's Redis emptied
(FLUSHDB on the test's own Redis database: FLUSHALL would empty every other user's too)."""

from __future__ import annotations

import time

import pytest

from tests.factories import make_subscription
from tests.receiver import Reply
from tests.worker import celery_worker
from webhooks.outbound import dispatch
from webhooks.outbound.models import Delivery, DeliveryStatus
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db(transaction=True)
EVENTS = 8


def _publish_many(tenant) -> list:
    return [publish(tenant, "client.created", {"n": n}).deliveries[0].id for n in range(EVENTS)]


def _statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Delivery.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _wait_until_all_succeeded(*, sweep: bool, timeout: float = 60) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _statuses() == {DeliveryStatus.SUCCEEDED: EVENTS}:
            break
        if sweep:
            dispatch.sweep()  # what the beat schedule runs every few seconds
        time.sleep(0.5)
    return _statuses()


def _received_ids(receiver) -> set[str]:
    return {request.header("webhook-id") for request in receiver.requests}


def test_a_worker_delivers_what_is_published(tenant, receiver, broker):
    make_subscription(tenant=tenant, url=receiver.url)
    with celery_worker():
        ids = _publish_many(tenant)
        assert _wait_until_all_succeeded(sweep=False) == {DeliveryStatus.SUCCEEDED: EVENTS}
    assert _received_ids(receiver) == {str(i) for i in ids}


def test_sigkill_mid_delivery_loses_nothing(tenant, receiver, broker, settings):
    settings.OUTBOUND_REENQUEUE_AFTER_SECONDS = 1
    make_subscription(tenant=tenant, url=receiver.url)
    receiver.reply_with(Reply(delay=30), Reply(delay=30))  # the first two hang mid-delivery
    lease = {"OUTBOUND_LEASE_SECONDS": "3"}
    with celery_worker(env=lease) as doomed:
        ids = _publish_many(tenant)
        receiver.wait_for(2)
        doomed.kill()
    assert Delivery.objects.filter(status=DeliveryStatus.IN_FLIGHT).count() >= 1
    with celery_worker(env=lease):
        assert _wait_until_all_succeeded(sweep=True) == {DeliveryStatus.SUCCEEDED: EVENTS}
    assert _received_ids(receiver) == {str(i) for i in ids}


def test_broker_flushed_with_deliveries_queued_loses_nothing(tenant, receiver, broker, settings):
    settings.OUTBOUND_REENQUEUE_AFTER_SECONDS = 1
    make_subscription(tenant=tenant, url=receiver.url)
    ids = _publish_many(tenant)  # no worker yet: the tasks wait in Redis
    assert broker.llen("celery") > 0
    broker.flushdb()
    assert broker.llen("celery") == 0
    with celery_worker():
        assert _wait_until_all_succeeded(sweep=True) == {DeliveryStatus.SUCCEEDED: EVENTS}
    assert _received_ids(receiver) == {str(i) for i in ids}
