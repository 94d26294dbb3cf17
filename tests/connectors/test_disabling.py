"""Disabled means settled for a connection too: a disabled connection is never called. Calls
that were waiting for it fail at once saying so (their callers hear of it: a
``connector.call.failed`` event, a CRM client FAILED with the reason) and can be replayed once
it is enabled again; new calls are refused with a 409."""

from __future__ import annotations

import pytest

from connectors.calls.replay import replay_calls
from connectors.models import CallStatus, Connection, ConnectorCall
from crm_sync.models import Client, SyncStatus
from crm_sync.services import clients, push
from tests.connectors.test_connector_calls import _attempt, _post
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


def test_disabling_fails_its_waiting_calls_saying_why(
    api_client, tenant, slack_connection, hubspot_connection, sandbox
):
    waiting = _post(api_client, slack_connection, {"text": "later"}).json()
    client = clients.create_client(tenant=tenant, values={"name": "Ada", "email": "a@example.com"})
    push.push(client_id=client.id)
    assert Client.objects.get(pk=client.pk).sync_status == SyncStatus.PENDING

    for connection in (slack_connection, hubspot_connection):
        answer = api_client.patch(
            f"/api/v1/connections/{connection.id}", {"status": "disabled"}, format="json"
        )
        assert answer.status_code == 200 and answer.json()["status"] == "disabled"

    shown = api_client.get(f"/api/v1/connector-calls/{waiting['id']}").json()
    assert shown["status"] == "failed" and shown["error"].startswith("connection disabled")
    assert not ConnectorCall.objects.exclude(status=CallStatus.FAILED).exists()
    client.refresh_from_db()
    assert client.sync_status == SyncStatus.FAILED
    assert client.last_sync_error.startswith("hubspot: connection disabled")
    failed_events = Event.objects.filter(event_type="connector.call.failed")
    assert {e.payload["connector"] for e in failed_events} == {"slack", "hubspot"}
    assert sandbox.state.request_count("slack") == 0


def test_a_call_claimed_after_the_disable_is_failed_unsent(api_client, slack_connection, sandbox):
    """A call enqueued before the disable committed (or a retry due later) is claimed by a
    worker that finds the connection disabled: it fails without reaching the provider."""
    call = ConnectorCall.objects.get(
        pk=_post(api_client, slack_connection, {"text": "x"}).json()["id"]
    )
    Connection.objects.filter(pk=slack_connection.pk).update(status="disabled")
    call = _attempt(call)
    assert call.status == CallStatus.FAILED and call.error.startswith("connection disabled")
    assert sandbox.state.request_count("slack") == 0


def test_a_disabled_connection_refuses_new_calls(api_client, slack_connection):
    api_client.patch(
        f"/api/v1/connections/{slack_connection.id}", {"status": "disabled"}, format="json"
    )
    answer = _post(api_client, slack_connection, {"text": "hi"})
    assert answer.status_code == 409, answer.content
    assert answer.json()["code"] == "connection_disabled"
    assert not ConnectorCall.objects.exists()


def test_replaying_after_re_enabling_sends_the_call(api_client, slack_connection, sandbox):
    call_id = _post(api_client, slack_connection, {"text": "later"}).json()["id"]
    path = f"/api/v1/connections/{slack_connection.id}"
    api_client.patch(path, {"status": "disabled"}, format="json")
    api_client.patch(path, {"status": "active"}, format="json")
    replay_calls(ConnectorCall.objects.filter(pk=call_id))
    call = _attempt(ConnectorCall.objects.get(pk=call_id))
    assert call.status == CallStatus.SUCCEEDED and sandbox.state.request_count("slack") == 1
