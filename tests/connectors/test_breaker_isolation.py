"""Only the provider's or the network's failures move a connector's circuit breaker, never a
call the hub itself refused (an address the outbound guard refuses, a missing credential) nor
a call the provider refused for good (a 4xx other than 408/429). Breaker state is in the test
run's Redis database."""

from __future__ import annotations

import pytest
from django.utils import timezone

from connectors.calls import runner
from connectors.calls.execute import execute
from connectors.connections import create_connection
from connectors.models import CallStatus, ConnectorCall

pytestmark = pytest.mark.django_db
CONTACT = {"email": "ada@example.com", "firstname": "Ada"}


@pytest.fixture
def small_breaker(settings):
    settings.CONNECTOR_BREAKER_MIN_CALLS = 4
    settings.CONNECTOR_BREAKER_FAILURE_RATE = 0.5
    settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS = 60
    settings.CONNECTOR_CALL_MAX_ATTEMPTS = 10


def _hubspot(tenant, base_url: str, name: str = "HubSpot"):
    return create_connection(
        tenant=tenant, connector="hubspot", name=name,
        credentials={"access_token": "pat-na1-sandbox"}, base_url=base_url,
    )  # fmt: skip


def _attempt(call: ConnectorCall) -> ConnectorCall:
    ConnectorCall.objects.filter(pk=call.pk).update(next_attempt_at=timezone.now())
    runner.run(call_id=call.pk)
    call.refresh_from_db()
    return call


def _health(client, name: str = "hubspot") -> dict:
    response = client.get(f"/api/connectors/{name}/health")
    assert response.status_code == 200
    return response.json()


def test_a_call_refused_by_the_address_guard_does_not_move_the_breaker(
    api_client, tenant, settings, monkeypatch, small_breaker
):
    connection = _hubspot(tenant, "http://127.0.0.1:9/hubspot")
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    monkeypatch.setattr(runner._sessions, "session", None, raising=False)  # a guarded session
    calls = [
        _attempt(execute(connection, "contacts.upsert", CONTACT, f"ssrf-{n}").call)
        for n in range(6)
    ]
    health = _health(api_client)
    assert (health["state"], health["calls"], health["failures"]) == ("closed", 0, 0)
    # Permanent: failed at once (no retry can make the address public), dead-lettered.
    assert {(c.status, c.attempts) for c in calls} == {(CallStatus.FAILED, 1)}
    assert "loopback" in calls[0].error


def test_permanent_provider_answers_do_not_move_the_breaker(
    api_client, tenant, sandbox, small_breaker
):
    sandbox.state.faults.set("hubspot", fail_with=400)  # a deterministic client error
    connection = _hubspot(tenant, sandbox.base_url("hubspot"))
    missing = _hubspot(tenant, sandbox.base_url("hubspot"), name="HubSpot, token lost")
    missing.credentials = {}
    missing.save()
    for n in range(3):
        call = _attempt(execute(connection, "contacts.upsert", CONTACT, f"400-{n}").call)
        assert call.status == CallStatus.FAILED and "400" in call.error
        call = _attempt(execute(missing, "contacts.upsert", CONTACT, f"cred-{n}").call)
        assert call.status == CallStatus.FAILED and "missing" in call.error
    health = _health(api_client)
    assert (health["state"], health["failures"]) == ("closed", 0)
