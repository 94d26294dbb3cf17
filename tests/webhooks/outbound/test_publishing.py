"""publish(): the database matches subscriptions and writes the deliveries in the caller's
transaction; a commit wakes a worker with one coalesced message, not one per publish."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.factories import IssuedKeyFactory, make_subscription
from webhooks.outbound import dispatch, event_types, publishing
from webhooks.outbound.models import Delivery, Event
from webhooks.outbound.publishing import publish

URL = "http://127.0.0.1:9/hook"


@pytest.mark.parametrize(
    "patterns",
    [["*"], ["client.created"], ["client.*"], ["sync.*"], ["sync.status.*"], ["client"],
     ["client.created.*"], ["clients.*"], ["webhook.test", "sync.status.changed"], []],
)  # fmt: skip
@pytest.mark.parametrize(
    "event_type", ["client.created", "sync.status.changed", "webhook.test", "request_submitted"]
)
def test_matching_patterns_agree_with_matches(patterns, event_type):
    in_sql = bool(set(patterns) & set(event_types.matching_patterns(event_type)))
    assert in_sql == event_types.matches(patterns, event_type)


@pytest.mark.django_db
def test_deliveries_go_to_the_enabled_subscriptions_whose_patterns_match(tenant):
    wanted = [
        make_subscription(tenant=tenant, url=URL, events=events)[0]
        for events in (["*"], ["sync.status.changed"], ["sync.*"], ["sync.status.*"])
    ]
    for events in (["client.*"], ["sync.status"], ["sync.status.changed.*"]):
        make_subscription(tenant=tenant, url=URL, events=events)
    make_subscription(tenant=tenant, url=URL, events=["*"], enabled=False)
    make_subscription(tenant=IssuedKeyFactory().api_key.tenant, url=URL, events=["*"])

    published = publish(tenant, "sync.status.changed", {"client": 7})

    assert {d.subscription_id for d in published.deliveries} == {s.id for s in wanted}
    stored = {d.id: d for d in Delivery.objects.filter(event=published.event)}
    assert set(stored) == {d.id for d in published.deliveries}
    for delivery in published.deliveries:  # what publish returns is what the database holds
        row = stored[delivery.id]
        assert (row.subscription_id, row.tenant_id, row.status) == (
            delivery.subscription_id,
            tenant.id,
            "pending",
        )
        assert row.next_attempt_at == delivery.next_attempt_at and row.enqueued_at is not None
        assert not delivery._state.adding


@pytest.mark.django_db
def test_a_test_event_goes_to_its_subscription_whatever_its_filter(tenant):
    only, _ = make_subscription(tenant=tenant, url=URL, events=["client.deleted"])
    make_subscription(tenant=tenant, url=URL, events=["*"])
    published = publish(tenant, event_types.TEST, {}, only_subscription=only)
    assert [d.subscription_id for d in published.deliveries] == [only.id]


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "evt-1"])
def test_listeners_see_the_event_saved_with_its_deliveries(tenant, monkeypatch, key):
    make_subscription(tenant=tenant, url=URL)
    seen = []
    listener = lambda event: seen.append(Delivery.objects.filter(event_id=event.pk).count())  # noqa: E731
    monkeypatch.setitem(publishing._listeners, "client.updated", [listener])

    published = publish(tenant, "client.updated", {"n": 1}, idempotency_key=key)

    assert seen == [1]
    stored = Event.objects.get(pk=published.event.pk)
    assert (stored.payload, stored.idempotency_key) == ({"n": 1}, key)
    assert stored.created_at == published.event.created_at
    assert not published.event._state.adding


@pytest.mark.django_db
def test_deliveries_are_written_in_the_callers_transaction(tenant):
    make_subscription(tenant=tenant, url=URL)
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(tenant, "client.created", {"n": 1})
        raise RuntimeError("the caller's change fails")
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_publishes_sends_one_wake_up_until_a_worker_claims(tenant, broker):
    make_subscription(tenant=tenant, url=URL)
    for n in range(5):
        publish(tenant, "client.created", {"n": n})
    assert broker.llen("celery") == 1  # no worker yet: the first commit's message waits

    dispatch.before_claim()  # a worker is about to claim: later commits must wake another
    publish(tenant, "client.created", {"n": 5})
    publish(tenant, "client.created", {"n": 6})
    assert broker.llen("celery") == 2


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_before_the_commit_nor_for_an_event_nobody_hears(tenant, broker):
    with transaction.atomic():
        make_subscription(tenant=tenant, url=URL, events=["client.*"])
        publish(tenant, "client.created", {"n": 1})
        assert broker.llen("celery") == 0
    assert broker.llen("celery") == 1
    dispatch.before_claim()
    publish(tenant, "sync.status.changed", {"n": 2})  # no subscriber: no delivery to wake for
    assert broker.llen("celery") == 1


@pytest.mark.django_db
def test_publish_many_writes_what_publish_would_for_each_and_skips_known_keys(tenant):
    hears, _ = make_subscription(tenant=tenant, url=URL, events=["client.*"])
    make_subscription(tenant=tenant, url=URL, events=["sync.*"])
    publish(tenant, "client.created", {"n": 0}, "client.created:0")
    items = [({"n": n}, f"client.created:{n}") for n in range(4)] + [({"n": 1}, "client.created:1")]

    events = publishing.publish_many(tenant, "client.created", items)

    assert sorted(e.payload["n"] for e in events) == [1, 2, 3]  # 0 was known, 1 came twice
    stored = Delivery.objects.filter(event__in=events)
    assert {d.subscription_id for d in stored} == {hears.id} and stored.count() == 3
    assert Event.objects.filter(tenant=tenant, event_type="client.created").count() == 4
