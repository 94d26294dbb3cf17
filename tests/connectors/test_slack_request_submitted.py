"""Seed 003: every ``request_submitted`` event in a tenant with a Slack connection posts a
formatted message to its default channel — once, however often the event is published."""

from __future__ import annotations

import pytest

from connectors.calls import runner
from connectors.models import CallStatus, ConnectorCall
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db
REQUEST = {
    "title": "Access to production DB",
    "requester": "alice@company.com",
    "description": "Need read access for quarterly report",
}


def test_request_submitted_posts_to_the_default_channel(api_client, slack_connection, sandbox):
    response = api_client.post(
        "/api/v1/events", {"event_type": "request_submitted", "payload": REQUEST}, format="json"
    )
    assert response.status_code == 202
    call = ConnectorCall.objects.get()
    assert (call.connector, call.capability_id) == ("slack", "chat.postMessage")
    runner.run(call_id=call.pk)
    call.refresh_from_db()
    assert call.status == CallStatus.SUCCEEDED
    (posted,) = sandbox.state.received("slack")
    assert posted["channel"] in ("#general", "general", "C0SANDBOX01")
    assert "Access to production DB" in posted["text"] and "alice@company.com" in posted["text"]


def test_a_repeated_event_posts_nothing_more(tenant, slack_connection):
    publish(tenant, "request_submitted", REQUEST, idempotency_key="req-1")
    publish(tenant, "request_submitted", REQUEST, idempotency_key="req-1")
    assert ConnectorCall.objects.count() == 1


def test_tenants_without_slack_post_nothing(tenant, sandbox):
    publish(tenant, "request_submitted", REQUEST)
    assert ConnectorCall.objects.count() == 0
