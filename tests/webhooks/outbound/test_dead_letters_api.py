"""Dead letters: listing with filters, single and time-range replay, attempts of an event,
and seed 004's notify and retry endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.jobs.services import run_job
from tests.factories import IssuedKeyFactory, make_subscription
from tests.receiver import Reply
from webhooks.outbound.delivery import deliver
from webhooks.outbound.models import Delivery, DeliveryStatus
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db
DEAD = "/api/v1/admin/dead-letters"


def _dead_delivery(tenant, receiver, event_type="client.created") -> Delivery:
    receiver.reply_with(Reply(status=400, body=b'{"error":"bad"}'))
    (delivery,) = publish(tenant, event_type, {"n": 1}).deliveries
    deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD
    return delivery


@pytest.fixture
def crm_subscription(tenant, receiver):
    subscription, _ = make_subscription(
        tenant=tenant, url=receiver.url, events=["client.created", "client.updated"]
    )
    return subscription


def test_attempts_of_an_event(api_client, tenant, receiver, crm_subscription):
    delivery = _dead_delivery(tenant, receiver)
    attempts = api_client.get(f"/api/v1/admin/events/{delivery.event_id}/attempts").json()
    assert len(attempts) == 1
    assert attempts[0]["response_status"] == 400
    assert attempts[0]["response_body"] == '{"error":"bad"}'
    assert attempts[0]["delivery_id"] == str(delivery.id)
    assert attempts[0]["request_headers"]["webhook-id"] == str(delivery.id)


def test_dead_letters_filter_by_subscription_event_type_and_time(
    api_client, tenant, receiver, crm_subscription
):
    created = _dead_delivery(tenant, receiver, "client.created")
    updated = _dead_delivery(tenant, receiver, "client.updated")
    Delivery.objects.filter(pk=created.pk).update(dead_at=timezone.now() - timedelta(hours=2))

    def ids(**params):
        return [row["id"] for row in api_client.get(DEAD, params).json()["results"]]

    assert set(ids()) == {str(created.id), str(updated.id)}
    assert ids(event_type="client.updated") == [str(updated.id)]
    assert set(ids(subscription=str(crm_subscription.id))) == {str(created.id), str(updated.id)}
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert ids(since=since) == [str(updated.id)]
    assert ids(until=since) == [str(created.id)]
    assert api_client.get(DEAD, {"since": "yesterday"}).status_code == 400


def test_single_replay_delivers_again(api_client, tenant, receiver, crm_subscription):
    delivery = _dead_delivery(tenant, receiver)
    response = api_client.post(f"{DEAD}/{delivery.id}/replay")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.total_attempts == 2 and len(receiver.requests) == 2


def _ran(response) -> dict:
    """What the worker does with the job the response queued; the job as it ended."""
    assert response.status_code == 202
    job = run_job(job_id=response.json()["id"])
    return {"status": job.status, "total": job.total, "done": job.done}


def test_time_range_replay_recovers_only_that_range(api_client, tenant, receiver, crm_subscription):
    old = _dead_delivery(tenant, receiver)
    recent = _dead_delivery(tenant, receiver)
    Delivery.objects.filter(pk=old.pk).update(dead_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    response = api_client.post(f"{DEAD}/replay", {"since": since}, format="json")
    assert response.json()["status"] == "queued"
    assert Delivery.objects.get(pk=recent.pk).status == DeliveryStatus.DEAD  # not in the request
    assert _ran(response) == {"status": "succeeded", "total": 1, "done": 1}
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == (DeliveryStatus.DEAD, DeliveryStatus.PENDING)
    assert recent.attempts == 0 and recent.total_attempts == 1


def test_replay_by_subscription(api_client, tenant, receiver, crm_subscription):
    _dead_delivery(tenant, receiver)
    response = api_client.post(
        f"{DEAD}/replay", {"subscription": str(crm_subscription.id)}, format="json"
    )
    assert _ran(response) == {"status": "succeeded", "total": 1, "done": 1}


def test_another_tenants_dead_letters_are_invisible(api_client, tenant, receiver, crm_subscription):
    other = IssuedKeyFactory().api_key.tenant
    make_subscription(tenant=other, url=receiver.url)
    foreign = _dead_delivery(other, receiver)
    assert api_client.get(DEAD).json()["results"] == []
    assert api_client.post(f"{DEAD}/{foreign.id}/replay").status_code == 404
    replay_all = api_client.post(f"{DEAD}/replay", {}, format="json")
    assert _ran(replay_all) == {"status": "succeeded", "total": 0, "done": 0}
    foreign.refresh_from_db()
    assert foreign.status == DeliveryStatus.DEAD


def test_replaying_a_delivery_that_is_not_dead_is_404(api_client, tenant, crm_subscription):
    (pending,) = publish(tenant, "client.created", {}).deliveries
    assert api_client.post(f"{DEAD}/{pending.id}/replay").status_code == 404


def test_seed_004_notify(api_client, tenant, crm_subscription):
    response = api_client.post(
        "/api/webhooks/notify",
        {"event": "client.created", "timestamp": "2026-11-22T10:00:00Z", "data": {"id": "c-1"}},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["deliveryIds"] == [str(d.id) for d in Delivery.objects.all()]


def test_seed_004_notify_with_an_unknown_event_answers_in_its_shape(api_client, crm_subscription):
    response = api_client.post("/api/webhooks/notify", {"event": "nope", "data": {}}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and "event" in body["details"]


def test_seed_004_retry_redrives_failed_and_dead(api_client, tenant, receiver, crm_subscription):
    dead = _dead_delivery(tenant, receiver)
    receiver.reply_with(Reply(status=500))
    (failed,) = publish(tenant, "client.updated", {}).deliveries
    deliver(delivery_id=failed.pk)
    (succeeded,) = publish(tenant, "client.updated", {}).deliveries
    deliver(delivery_id=succeeded.pk)
    response = api_client.post("/api/webhooks/retry")
    assert response.status_code == 202
    body = response.json()
    assert (body["success"], body["retriedCount"]) == (True, 2)
    assert body["jobId"] == body["job"]["id"] and response["Location"].endswith(body["jobId"])
    assert Delivery.objects.get(pk=dead.pk).status == DeliveryStatus.DEAD  # not in the request
    job = run_job(job_id=body["jobId"])
    assert (job.status, job.total, job.done) == ("succeeded", 2, 2)
    statuses = dict(Delivery.objects.values_list("id", "status"))
    assert statuses[dead.id] == statuses[failed.id] == DeliveryStatus.PENDING
    assert statuses[succeeded.id] == DeliveryStatus.SUCCEEDED


def test_seed_endpoints_need_a_key(anonymous_client):
    assert anonymous_client.post("/api/webhooks/retry").status_code == 401
