"""Pushing local changes through connector calls keyed by client id and version."""

from __future__ import annotations

import pytest

from connectors.calls import runner
from connectors.models import ConnectorCall
from crm_sync.models import Client, ExternalReference, SyncRun, SyncStatus
from crm_sync.services import clients, push
from crm_sync.services.polling import poll
from tests.crm_sync.conftest import CRMS
from tests.waiting import wait_until
from tests.worker import celery_worker
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db(transaction=True)
EMAIL_FIELD = {"hubspot": "email", "salesforce": "Email", "dynamics": "emailaddress1"}


def _run_calls() -> None:
    for call in ConnectorCall.objects.filter(status="pending"):
        runner.run(call_id=call.pk)


def _status_changes(tenant) -> list[tuple[str, str]]:
    events = Event.objects.filter(tenant=tenant, event_type="sync.status.changed")
    return [(e.payload["oldStatus"], e.payload["newStatus"]) for e in events.order_by("created_at")]


@pytest.mark.parametrize("provider", CRMS)
def test_a_new_local_client_is_created_at_each_crm_then_synced(tenant, connect, sandbox, provider):
    connect(tenant, provider)
    client = clients.create_client(
        tenant=tenant, values={"name": "Grace Brewster Hopper", "email": "grace@example.com"}
    )
    push.push(client_id=client.id)
    assert Client.objects.get(pk=client.pk).sync_status == SyncStatus.PENDING
    _run_calls()
    client.refresh_from_db()
    assert client.sync_status == SyncStatus.SYNCED and client.last_synced_at is not None
    [remote] = sandbox.state.store(provider).find(EMAIL_FIELD[provider], "grace@example.com")
    reference = ExternalReference.objects.get(client=client)
    assert reference.external_id == remote.id and reference.last_pushed_at is not None
    assert _status_changes(tenant) == [("NEEDS_UPDATE", "PENDING"), ("PENDING", "SYNCED")]
    [run] = SyncRun.objects.filter(trigger="push")
    assert (run.status, run.created, run.client_id) == ("succeeded", 1, client.id)


def test_a_pushed_change_reaches_the_provider_once_and_a_poll_sees_agreement(
    tenant, connect, sandbox
):
    connection = connect(tenant, "hubspot")
    poll(connection=connection)
    client = Client.objects.filter(tenant=tenant).order_by("email").first()
    clients.update_client(client=client, changes={"company": "Hooli"})
    push.push(client_id=client.id)
    push.push(client_id=client.id)  # a repeated message: already PENDING, nothing new
    _run_calls()
    client.refresh_from_db()
    assert client.sync_status == SyncStatus.SYNCED
    key = push.push_key(client=client, connection=connection)
    assert sandbox.state.idempotency_count("hubspot", key) == 1
    [remote] = sandbox.state.hubspot.find("email", client.email)
    assert remote.fields["company"] == "Hooli"
    again = poll(connection=connection)
    assert again.updated == 0 and again.conflicts == 0
    assert Client.objects.get(pk=client.pk).sync_status == SyncStatus.SYNCED


def test_a_refused_push_fails_the_client_and_push_now_retries_it(tenant, connect, sandbox):
    connect(tenant, "hubspot")
    client = clients.create_client(
        tenant=tenant, values={"name": "Ada", "email": "ada@example.com"}
    )
    sandbox.state.faults.set("hubspot", fail_with=400)
    push.push(client_id=client.id)
    _run_calls()
    client.refresh_from_db()
    assert client.sync_status == SyncStatus.FAILED and "hubspot" in client.last_sync_error
    assert SyncRun.objects.get(trigger="push").status == "failed"
    sandbox.state.faults.clear()
    push.retry(client=client)
    push.push(client_id=client.id)
    _run_calls()
    client.refresh_from_db()
    assert client.sync_status == SyncStatus.SYNCED and client.last_sync_error == ""
    assert sandbox.state.hubspot.find("email", "ada@example.com")
    runs = SyncRun.objects.filter(trigger="push").order_by("created_at")
    assert [r.status for r in runs] == ["failed", "succeeded"]  # the retry is a run of its own


def test_with_no_crm_to_push_to_a_client_is_synced_at_once(tenant, db):
    client = clients.create_client(tenant=tenant, values={"name": "Solo"})
    push.push(client_id=client.id)
    assert Client.objects.get(pk=client.pk).sync_status == SyncStatus.SYNCED


def test_an_api_edit_is_pushed_by_real_workers(api_client, tenant, connect, sandbox):
    connect(tenant, "hubspot")
    response = api_client.post(
        "/api/v1/clients", {"name": "Linus Torvalds", "email": "linus@example.com"}, format="json"
    )
    client_id = response.json()["id"]
    with celery_worker():
        wait_until(lambda: Client.objects.get(pk=client_id).sync_status == SyncStatus.SYNCED)
    assert sandbox.state.hubspot.find("email", "linus@example.com")


def test_a_client_hubspot_can_not_take_fails_at_once_saying_why(api_client, tenant, connect):
    """HubSpot upserts contacts by email: a client without one can never be pushed there, so
    it is FAILED with the reason instead of waiting (and erroring) at every sweep."""
    connect(tenant, "hubspot")
    client = clients.create_client(tenant=tenant, values={"name": "No Email"})
    push.push(client_id=client.id)
    client.refresh_from_db()
    assert client.sync_status == SyncStatus.FAILED
    assert client.last_sync_error.startswith("hubspot: HubSpot needs an email")
    assert not ConnectorCall.objects.exists()
    assert _status_changes(tenant) == [("NEEDS_UPDATE", "FAILED")]
    shown = api_client.get(f"/api/v1/clients/{client.id}").json()
    assert (shown["sync_status"], shown["last_sync_error"]) == ("FAILED", client.last_sync_error)


def test_the_crms_that_can_take_a_client_still_get_it(tenant, connect, sandbox):
    """Dynamics takes a contact without an email, HubSpot doesn't: Dynamics gets it, and the
    client ends FAILED naming HubSpot's reason once the Dynamics call is done."""
    connect(tenant, "hubspot")
    connect(tenant, "dynamics")
    client = clients.create_client(tenant=tenant, values={"name": "Only Dynamics"})
    push.push(client_id=client.id)
    client.refresh_from_db()
    assert client.sync_status == SyncStatus.PENDING
    assert "HubSpot needs an email" in client.last_sync_error  # said while the rest goes out
    _run_calls()
    client.refresh_from_db()
    assert client.sync_status == SyncStatus.FAILED
    assert client.last_sync_error.startswith("hubspot: HubSpot needs an email")
    assert ExternalReference.objects.get(client=client).provider == "dynamics"
    assert [c.connector for c in ConnectorCall.objects.all()] == ["dynamics"]
