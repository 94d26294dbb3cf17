"""Processing in batches: outcomes recorded per batch, one failing event kept apart from the
rest, and no outbox event written when nobody would hear of it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import make_subscription
from tests.webhooks.inbound.conftest import github_delivery, post_signed
from webhooks.inbound import handlers
from webhooks.inbound.models import InboundEvent, InboundStatus
from webhooks.inbound.processing import process_all, process_batch
from webhooks.inbound.registrations import webhook_url
from webhooks.outbound import publishing
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db
PING = {"zen": "Half measures are as bad as nothing at all.", "hook": {"type": "Repository"}}


def receive(registration, *deliveries: str) -> None:
    url = webhook_url(registration)
    for delivery in deliveries:
        response = post_signed(APIClient(), github_delivery(url, PING, delivery=delivery))
        assert response.status_code == 202


def statuses() -> dict[str, tuple[str, int]]:
    rows = InboundEvent.objects.values_list("dedupe_key", "status", "attempts")
    return {key: (status, attempts) for key, status, attempts in rows}


def test_a_batch_records_every_outcome_and_claims_each_event_once(github_registration):
    receive(github_registration, "a", "b", "c")
    assert process_batch(limit=2) == 2
    assert process_all() == 1
    assert process_all() == 0
    assert statuses() == {key: (InboundStatus.PROCESSED, 1) for key in "abc"}
    assert InboundEvent.objects.filter(processed_at__isnull=True).count() == 0


def test_nobody_subscribed_means_no_outbox_event(tenant, github_registration):
    receive(github_registration, "unheard")
    assert process_all() == 1
    assert statuses()["unheard"][0] == InboundStatus.PROCESSED
    assert not Event.objects.exists()
    make_subscription(tenant=tenant, url="http://127.0.0.1:9/other", events=["slack.*"])
    receive(github_registration, "still-unheard")
    process_all()
    assert not Event.objects.exists()


def test_a_publish_listener_is_an_audience(github_registration, monkeypatch):
    heard = []
    monkeypatch.setitem(publishing._listeners, "github.ping", [heard.append])
    receive(github_registration, "listened")
    process_all()
    assert [event.event_type for event in heard] == ["github.ping"]
    assert Event.objects.filter(event_type="github.ping").count() == 1


def test_a_failing_handler_fails_its_event_only(github_registration, monkeypatch):
    def fussy(event: InboundEvent) -> None:
        if event.dedupe_key == "bad":
            raise RuntimeError("cannot digest this one")

    monkeypatch.setattr(handlers, "_handlers", [*handlers.handlers(), fussy])
    receive(github_registration, "good-1", "bad", "good-2")
    assert process_all() == 3
    found = statuses()
    assert found["good-1"] == found["good-2"] == (InboundStatus.PROCESSED, 1)
    assert found["bad"] == (InboundStatus.PENDING, 1)  # tried again until INBOUND_MAX_ATTEMPTS
    assert "cannot digest" in InboundEvent.objects.get(dedupe_key="bad").error
    github_registration.refresh_from_db()
    assert github_registration.processing_failures == 1
