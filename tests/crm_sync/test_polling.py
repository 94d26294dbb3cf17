"""Polling end to end against the sandbox CRMs on a real port: paging, resuming after a crash
with no gaps and no duplicates, rate limits, incremental polls."""

from __future__ import annotations

import pytest

from crm_sync.models import Client, ExternalReference, RunStatus, SyncRun
from crm_sync.services.polling import PollLimits, poll
from tests.crm_sync.conftest import CRMS
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"hubspot": "phone", "salesforce": "Phone", "dynamics": "telephone1"}
SEEDED = 250


def _emails(tenant) -> list[str]:
    return list(Client.objects.filter(tenant=tenant).values_list("email", flat=True))


@pytest.mark.parametrize("provider", CRMS)
def test_a_backfill_pages_every_contact_into_exactly_one_client(tenant, connect, provider):
    connection = connect(tenant, provider, page_size=40)
    run = poll(connection=connection)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.pages >= 2 and run.created == SEEDED and run.failed == 0  # Salesforce: 200+
    emails = _emails(tenant)
    assert len(emails) == len(set(emails)) == SEEDED
    assert ExternalReference.objects.filter(connection=connection).count() == SEEDED
    assert Event.objects.filter(tenant=tenant, event_type="client.created").count() == SEEDED
    assert set(Client.objects.values_list("sync_status", flat=True)) == {"SYNCED"}


@pytest.mark.parametrize("provider", CRMS)
def test_an_incremental_poll_applies_just_what_changed(tenant, connect, sandbox, provider):
    connection = connect(tenant, provider)
    poll(connection=connection)
    store = sandbox.state.store(provider)
    record = store.all()[7]
    store.update(record.id, {PHONE[provider]: "+1-555-9999"})
    run = poll(connection=connection)
    assert run.status == RunStatus.SUCCEEDED and run.created == 0 and run.updated == 1
    assert run.unchanged < 5  # the boundary record(s) again at most, never a re-read of all
    reference = ExternalReference.objects.get(connection=connection, external_id=record.id)
    assert reference.client.phone == "+1-555-9999"
    updated = Event.objects.get(tenant=tenant, event_type="client.updated")
    assert updated.payload["changedFields"] == ["phone"] and updated.payload["source"] == provider


class Crash(BaseException):
    """Not an Exception: the poll can't catch it, as it couldn't catch a SIGKILL."""


@pytest.mark.parametrize("provider", CRMS)
def test_a_run_that_dies_mid_way_resumes_with_no_gaps_and_no_duplicates(
    tenant, connect, sandbox, settings, provider
):
    connection = connect(tenant, provider, page_size=30)

    def crash_after_the_first_page(run):
        raise Crash

    with pytest.raises(Crash):
        poll(connection=connection, progress=crash_after_the_first_page)
    died = SyncRun.objects.get(connection=connection)
    assert died.status == RunStatus.RUNNING and died.pages == 1
    assert 0 < Client.objects.filter(tenant=tenant).count() == died.created < SEEDED
    # While it was down, records on both sides of the cursor changed.
    store = sandbox.state.store(provider)
    changed = [r.id for r in store.all()[::50]]
    for record_id in changed:
        store.update(record_id, {PHONE[provider]: f"+1-555-{record_id[-4:]}"})
    settings.CRM_SYNC_RUN_LEASE_SECONDS = 0
    resumed = poll(connection=connection)
    assert resumed.status == RunStatus.SUCCEEDED, resumed.error
    died.refresh_from_db()
    assert resumed.cursor_before == died.cursor_after  # from the last committed page
    assert died.status == RunStatus.FAILED and "interrupted" in died.error
    emails = _emails(tenant)
    assert len(emails) == len(set(emails)) == SEEDED
    # A Salesforce locator is a result fixed when its query ran: what changed after that is
    # the next poll's, whose modified-since starts at the newest record the last one saw.
    assert poll(connection=connection).status == RunStatus.SUCCEEDED
    for record_id in changed:
        reference = ExternalReference.objects.get(connection=connection, external_id=record_id)
        assert reference.client.phone == f"+1-555-{record_id[-4:]}"
    assert Event.objects.filter(tenant=tenant, event_type="client.created").count() == SEEDED


@pytest.mark.parametrize("provider", CRMS)
def test_rate_limits_are_waited_out(tenant, connect, sandbox, provider):
    connection = connect(tenant, provider, page_size=100)
    sandbox.state.faults.set(provider, rate_limit_next=2, retry_after=1)
    run = poll(connection=connection)
    assert run.status == RunStatus.SUCCEEDED and run.created == SEEDED
    limited = "403" if provider == "salesforce" else "429"
    assert sandbox.state.stats()["statuses"][provider][limited] == 2


def test_a_run_still_rate_limited_fails_and_the_next_resumes(tenant, connect, sandbox):
    connection = connect(tenant, "hubspot", page_size=100)
    poll(connection=connection, limits=PollLimits(max_pages=1))
    sandbox.state.faults.set("hubspot", rate_limit_next=3, retry_after=1)
    run = poll(connection=connection, limits=PollLimits(max_waits=1, max_wait_seconds=0.1))
    assert run.status == RunStatus.FAILED and "rate limited" in run.error
    assert Client.objects.filter(tenant=tenant).count() == 100
    sandbox.state.faults.clear()
    assert poll(connection=connection).created == SEEDED - 100


def test_a_second_poll_of_the_same_connection_waits_its_turn(tenant, connect):
    connection = connect(tenant, "hubspot")
    holder = SyncRun.objects.create(
        tenant=tenant, connection=connection, trigger="poll", status=RunStatus.RUNNING
    )
    from django.utils import timezone

    SyncRun.objects.filter(pk=holder.pk).update(heartbeat_at=timezone.now())
    run = poll(connection=connection)
    assert run.status == RunStatus.SKIPPED and Client.objects.count() == 0
