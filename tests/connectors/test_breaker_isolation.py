"""Isolation by default: each connection has its own circuit breaker, so one tenant's failing
provider account neither blocks nor shows in another tenant's calls and health; and only the
provider's or the network's failures move a breaker, never a call the hub itself refused.

Two tenants reach one provider (HubSpot) through two sandbox servers on real local ports: the
second stands for tenant B's account while it fails (fault injection), the first stays healthy.
Breaker state is in the test run's Redis database."""

from __future__ import annotations

import pytest
from django.utils import timezone

from connectors.calls import runner
from connectors.calls.execute import execute
from connectors.connections import create_connection
from connectors.models import CallStatus, ConnectorCall
from connectors.sandbox.server import start_sandbox
from tests.factories import IssuedKeyFactory

pytestmark = pytest.mark.django_db
CONTACT = {"email": "ada@example.com", "firstname": "Ada"}


@pytest.fixture
def small_breaker(settings):
    settings.CONNECTOR_BREAKER_MIN_CALLS = 4
    settings.CONNECTOR_BREAKER_FAILURE_RATE = 0.5
    settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS = 60
    settings.CONNECTOR_CALL_MAX_ATTEMPTS = 10


@pytest.fixture
def failing_sandbox():
    """Tenant B's HubSpot account: a second sandbox server, answering 503 until cleared."""
    with start_sandbox() as running:
        running.state.faults.set("hubspot", error_burst=10_000)
        yield running


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


def _fail_until_open(connection, calls: int = 4) -> list[ConnectorCall]:
    """Tenant B's calls, each attempted once against its failing account."""
    return [
        _attempt(execute(connection, "contacts.upsert", CONTACT, f"b-{n}").call)
        for n in range(calls)
    ]


def _health(client, name: str = "hubspot") -> dict:
    response = client.get(f"/api/connectors/{name}/health")
    assert response.status_code == 200
    return response.json()


def test_one_tenants_failing_connection_never_short_circuits_another_tenants_calls(
    tenant, sandbox, failing_sandbox, small_breaker
):
    healthy = _hubspot(tenant, sandbox.base_url("hubspot"))
    failing = _hubspot(IssuedKeyFactory().api_key.tenant, failing_sandbox.base_url("hubspot"))
    failed = _fail_until_open(failing)
    assert [c.status for c in failed] == [CallStatus.PENDING] * 4 and "503" in failed[-1].error

    # Tenant B's breaker is open: its next call fails fast, without reaching its account.
    hits = failing_sandbox.state.request_count("hubspot")
    blocked = _attempt(execute(failing, "contacts.upsert", CONTACT, "b-blocked").call)
    assert "circuit breaker" in blocked.error and blocked.attempts == 0
    assert failing_sandbox.state.request_count("hubspot") == hits

    # Tenant A's calls to the same provider go through, every one of them.
    for n in range(5):
        call = _attempt(execute(healthy, "contacts.upsert", CONTACT, f"a-{n}").call)
        assert call.status == CallStatus.SUCCEEDED, call.error
    assert sandbox.state.request_count("hubspot") == 5


def test_a_tenants_health_view_never_shows_another_tenants_counts(
    api_client, tenant, sandbox, failing_sandbox, small_breaker
):
    other = IssuedKeyFactory()
    other_client = type(api_client)()
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.raw_key}")
    healthy = _hubspot(tenant, sandbox.base_url("hubspot"))
    _fail_until_open(_hubspot(other.api_key.tenant, failing_sandbox.base_url("hubspot")))
    _attempt(execute(healthy, "contacts.upsert", CONTACT, "a-1").call)

    mine = _health(api_client)
    assert (mine["name"], mine["state"], mine["calls"], mine["failures"]) == (
        "hubspot", "closed", 1, 0,
    )  # fmt: skip
    assert mine["open_until"] is None
    overview = {row["name"]: row for row in api_client.get("/api/connectors/health").json()}
    assert (overview["hubspot"]["state"], overview["hubspot"]["failures"]) == ("closed", 0)

    theirs = _health(other_client)
    assert (theirs["state"], theirs["calls"], theirs["failures"]) == ("open", 4, 4)
    assert theirs["failure_rate"] == 1.0 and theirs["open_until"] > timezone.now().timestamp()


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


def test_the_connector_view_combines_the_tenants_connections_and_each_has_its_own_view(
    api_client, anonymous_client, tenant, sandbox, small_breaker
):
    from connectors import breaker

    ok = _hubspot(tenant, sandbox.base_url("hubspot"), name="HubSpot EU")
    down = _hubspot(tenant, sandbox.base_url("hubspot"), name="HubSpot US")
    breaker.record(str(ok.id), success=True)
    for _ in range(4):
        breaker.record(str(down.id), success=False)

    # The worst state over the tenant's HubSpot connections, their counts summed.
    combined = _health(api_client)
    assert (combined["state"], combined["calls"], combined["failures"]) == ("open", 5, 4)
    assert combined["failure_rate"] == 0.8 and combined["connections"] == 2
    assert combined["open_until"] == breaker.snapshot(str(down.id)).open_until
    slack = _health(api_client, "slack")  # no connection of it: closed, nothing counted
    assert (slack["state"], slack["calls"], slack["connections"]) == ("closed", 0, 0)
    assert api_client.get("/api/connectors/nope/health").status_code == 404
    assert anonymous_client.get("/api/connectors/hubspot/health").status_code == 401

    own = api_client.get(f"/api/v1/connections/{ok.id}/breaker").json()
    assert own == {
        "name": "hubspot", "connection": str(ok.id), "state": "closed", "calls": 1,
        "failures": 0, "failure_rate": 0.0, "open_until": None, "window_seconds": 60,
    }  # fmt: skip
    failing = api_client.get(f"/api/v1/connections/{down.id}/breaker").json()
    assert (failing["state"], failing["failures"]) == ("open", 4)
    stranger = _hubspot(IssuedKeyFactory().api_key.tenant, sandbox.base_url("hubspot"))
    assert api_client.get(f"/api/v1/connections/{stranger.id}/breaker").status_code == 404
