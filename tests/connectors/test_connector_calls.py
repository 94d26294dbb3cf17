"""Connector calls against the sandbox providers on a real local port: idempotency, retries
with backoff and Retry-After, deterministic 4xx, Slack's ``ok: false``, dead letters.

Each attempt is driven through ``runner.run`` — the function the Celery task calls — so the
test can look at the schedule between attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.calls import runner
from connectors.calls.execute import execute
from connectors.models import CallStatus, ConnectorCall
from tests.factories import make_subscription
from webhooks.outbound.models import Delivery, Event

pytestmark = pytest.mark.django_db
EXECUTE = "/api/v1/connections/{id}/execute/{capability}"


def _attempt(call: ConnectorCall) -> ConnectorCall:
    ConnectorCall.objects.filter(pk=call.pk).update(next_attempt_at=timezone.now())
    runner.run(call_id=call.pk)
    call.refresh_from_db()
    return call


def _post(api_client, connection, payload, key="key-1", capability="chat.postMessage"):
    path = EXECUTE.format(id=connection.id, capability=capability)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api_client.post(path, payload, format="json", **headers)


def test_execute_needs_an_idempotency_key(api_client, slack_connection):
    response = _post(api_client, slack_connection, {"text": "hi"}, key=None)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
    assert ConnectorCall.objects.count() == 0


def test_a_repeated_key_hits_the_provider_once(api_client, slack_connection, sandbox):
    first = _post(api_client, slack_connection, {"text": "hello"})
    assert first.status_code == 202 and first.json()["status"] == "pending"
    call = _attempt(ConnectorCall.objects.get(pk=first.json()["id"]))
    assert call.status == CallStatus.SUCCEEDED and call.response["ok"] is True
    again = _post(api_client, slack_connection, {"text": "hello"})
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == str(call.id) and again.json()["response"]["ok"] is True
    assert sandbox.state.idempotency_count("slack", "key-1") == 1
    assert sandbox.state.request_count("slack") == 1
    detail = api_client.get(f"/api/v1/connector-calls/{call.id}").json()
    assert detail["status"] == "succeeded" and detail["attempts"] == 1


def test_the_same_key_with_another_payload_is_422(api_client, slack_connection):
    _post(api_client, slack_connection, {"text": "one"})
    ConnectorCall.objects.update(status=CallStatus.SUCCEEDED)
    response = _post(api_client, slack_connection, {"text": "two"})
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert ConnectorCall.objects.count() == 1


def test_the_same_key_while_the_first_is_in_flight_is_409(api_client, slack_connection, sandbox):
    _post(api_client, slack_connection, {"text": "one"})
    response = _post(api_client, slack_connection, {"text": "one"})
    assert response.status_code == 409 and response.json()["code"] == "call_in_progress"
    assert sandbox.state.request_count("slack") == 0


def test_an_unknown_capability_is_400(api_client, slack_connection):
    response = _post(api_client, slack_connection, {}, capability="chat.deleteEverything")
    assert response.status_code == 400 and "capability" in response.json()["errors"]


def test_rate_limit_honours_retry_after(slack_connection, sandbox):
    sandbox.state.faults.set("slack", rate_limit_next=1, retry_after=7)
    call = execute(slack_connection, "chat.postMessage", {"text": "hi"}, "k-429").call
    before = timezone.now()
    call = _attempt(call)
    assert call.status == CallStatus.PENDING and call.retries == 1
    assert "ratelimited" in call.error
    assert before + timedelta(seconds=6.5) <= call.next_attempt_at <= before + timedelta(seconds=8)
    call = _attempt(call)
    assert call.status == CallStatus.SUCCEEDED and call.attempts == 2


def test_server_errors_back_off_exponentially_then_succeed(hubspot_connection, sandbox):
    sandbox.state.faults.set("hubspot", error_burst=3)
    contact = {"properties": {"email": "ada@example.com", "firstname": "Ada"}}
    call = execute(hubspot_connection, "contacts.upsert", contact, "k-5xx").call
    delays = []
    for _ in range(3):
        before = timezone.now()
        call = _attempt(call)
        assert call.status == CallStatus.PENDING
        delays.append((call.next_attempt_at - before).total_seconds())
    assert 0.1 <= delays[0] <= 0.3 and 0.2 <= delays[1] <= 0.55 and 0.45 <= delays[2] <= 1.05
    call = _attempt(call)
    assert call.status == CallStatus.SUCCEEDED and call.attempts == 4 and call.retries == 3
    assert call.response["results"][0]["properties"]["email"] == "ada@example.com"
    assert sandbox.state.request_count("hubspot") == 4


def test_a_deterministic_client_error_is_not_retried(hubspot_connection, sandbox):
    sandbox.state.faults.set("hubspot", fail_with=400)
    call = execute(hubspot_connection, "contacts.upsert", {"email": "x@example.com"}, "k-400").call
    call = _attempt(call)
    assert call.status == CallStatus.FAILED and call.attempts == 1 and call.retries == 0
    assert "400" in call.error
    assert sandbox.state.request_count("hubspot") == 1


def test_slack_ok_false_is_a_failure(slack_connection, sandbox):
    sandbox.state.faults.set("slack", ok_false="channel_not_found")
    call = _attempt(execute(slack_connection, "chat.postMessage", {"text": "x"}, "k-ok").call)
    assert call.status == CallStatus.FAILED
    assert "channel_not_found" in call.error and call.response == {
        "ok": False,
        "error": "channel_not_found",
    }


def test_the_last_attempt_fails_the_call_and_dead_letters_it_to_subscribers(
    tenant, slack_connection, sandbox, settings
):
    settings.CONNECTOR_CALL_MAX_ATTEMPTS = 3
    subscription, _ = make_subscription(
        tenant=tenant, url="http://127.0.0.1:9/dlq", events=["connector.call.failed"]
    )
    sandbox.state.faults.set("slack", error_burst=10)
    call = execute(slack_connection, "chat.postMessage", {"text": "x"}, "k-dead").call
    for _ in range(3):
        call = _attempt(call)
    assert call.status == CallStatus.FAILED and call.attempts == 3 and call.finished_at
    event = Event.objects.get(event_type="connector.call.failed")
    assert {k: event.payload[k] for k in ("connector", "capabilityId", "key")} == {
        "connector": "slack", "capabilityId": "chat.postMessage", "key": "k-dead",
    }  # fmt: skip
    assert "503" in event.payload["error"]
    assert Delivery.objects.get(event=event).subscription == subscription


def test_an_open_breaker_fails_fast_without_reaching_the_provider(slack_connection, sandbox):
    from connectors import breaker

    for _ in range(20):
        breaker.record(str(slack_connection.id), success=False)
    call = _attempt(execute(slack_connection, "chat.postMessage", {"text": "x"}, "k-br").call)
    assert call.status == CallStatus.PENDING and call.attempts == 0
    assert "circuit breaker" in call.error and call.next_attempt_at > timezone.now()
    assert sandbox.state.request_count("slack") == 0


@pytest.mark.parametrize(
    ("connector", "capability", "credentials", "config", "payload", "provider_check"),
    [
        ("salesforce", "contact.upsert", {"access_token": "00D-sandbox"},
         {"instance_url": "https://example.my.salesforce.com"},
         {"External_Id__c": "SW-1", "Email": "grace@example.com", "LastName": "Hopper"},
         "salesforce"),
        ("dynamics", "contact.upsert", {"access_token": "eyJ-sandbox"},
         {"organization_url": "https://example.crm.dynamics.com"},
         {"contactid": "7d5e8c2a-1b3f-4c6d-9e8f-0a1b2c3d4e5f", "lastname": "Lamarr"},
         "dynamics"),
        ("whatsapp", "messages.send", {"access_token": "EAAG-sandbox"},
         {"phone_number_id": "1234567890"}, {"to": "4790000000", "text": "Hei"}, "whatsapp"),
        ("zapier", "trigger", {"webhook_url": "https://hooks.zapier.com/hooks/catch/123/abc/"},
         {}, {"trigger_type": "customer_created"}, "zapier"),
    ],
)  # fmt: skip
def test_capabilities_speak_each_providers_api(
    tenant, sandbox, connector, capability, credentials, config, payload, provider_check
):
    from connectors.connections import create_connection

    connection = create_connection(
        tenant=tenant, connector=connector, config=config, credentials=credentials,
        base_url=sandbox.base_url(connector),
    )  # fmt: skip
    call = _attempt(execute(connection, capability, payload, f"k-{connector}").call)
    assert call.status == CallStatus.SUCCEEDED, call.error
    assert sandbox.state.request_count(provider_check) == 1


def test_whatsapp_throttling_is_retried_by_its_graph_code(tenant, sandbox):
    from connectors.connections import create_connection

    connection = create_connection(
        tenant=tenant, connector="whatsapp", config={"phone_number_id": "1234567890"},
        credentials={"access_token": "EAAG-sandbox"}, base_url=sandbox.base_url("whatsapp"),
    )  # fmt: skip
    sandbox.state.faults.set("whatsapp", rate_limit_next=1)
    payload = {"to": "4790000000", "text": "x"}
    call = _attempt(execute(connection, "messages.send", payload, "k-wa").call)
    assert call.status == CallStatus.PENDING and "130429" in call.error
    call = _attempt(call)
    assert call.status == CallStatus.SUCCEEDED, call.error
