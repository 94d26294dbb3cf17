"""Polling each CRM over real HTTP against the sandbox: a full backfill, a resume after a crash
with changes made meanwhile, an incremental poll, rows sharing one timestamp, and errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from connectors.connections import create_connection
from connectors.sandbox import SandboxState, start_sandbox
from crm_sync.remote import Page, RateLimited, RemoteApi, RemoteContact, RemoteError, adapter_for
from tests.crm_sync.remote.conftest import CONFIG, PAGE_SIZE, SEEDS, TOKEN

pytestmark = pytest.mark.django_db


def drain(provider: str, api: RemoteApi, cursor: dict, page_size: int) -> tuple[list[Page], dict]:
    """Fetch pages until the poll is done, as the caller does; every cursor must survive JSON."""
    adapter, pages = adapter_for(provider), []
    for _ in range(100):
        page = adapter.fetch_page(api=api, cursor=cursor, page_size=page_size)
        assert json.loads(json.dumps(page.cursor)) == page.cursor
        pages.append(page)
        cursor = page.cursor
        if page.done:
            return pages, cursor
    raise AssertionError("the poll never caught up")


def contacts(pages: list[Page]) -> list[RemoteContact]:
    return [contact for page in pages for contact in page.contacts]


def ids(pages: list[Page]) -> list[str]:
    return [contact.external_id for contact in contacts(pages)]


def fields_named(provider: str, **canonical: str) -> dict[str, str]:
    """Canonical fields under the provider's own names, to write straight into the store."""
    names = adapter_for(provider).FIELDS
    return {names[key]: value for key, value in canonical.items()}


def test_a_full_backfill_returns_every_contact_once(provider, api, sandbox):
    pages, _ = drain(provider, api, {}, PAGE_SIZE[provider])
    found = ids(pages)
    assert len(found) == len(set(found)) == SEEDS
    assert set(found) == {record.id for record in sandbox.state.store(provider).all()}
    assert len(pages) >= 3 and pages[-1].done and not any(page.done for page in pages[:-1])
    times = [contact.modified_at for contact in contacts(pages)]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    first = contacts(pages)[0]
    assert first.provider == provider and first.object_type == "contact" and not first.deleted
    expected = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada.lovelace.1@example.com"}
    assert expected.items() <= first.fields.items()
    assert first.fields["phone"] == "+1-555-0001"
    # Only HubSpot keeps a company on the contact.
    assert ("company" in first.fields) == (provider == "hubspot")
    assert first.modified_at == datetime(2024, 1, 1, 0, 30, tzinfo=UTC)


def test_a_resumed_backfill_sees_every_change_made_meanwhile(provider, api, sandbox):
    adapter, store, size = adapter_for(provider), sandbox.state.store(provider), PAGE_SIZE[provider]
    committed, cursor = [], {}
    for _ in range(2):
        page = adapter.fetch_page(api=api, cursor=cursor, page_size=size)
        assert not page.done
        committed += page.contacts
        cursor = page.cursor
    # Page 3 is fetched, then the process dies before committing it: its cursor is lost.
    adapter.fetch_page(api=api, cursor=cursor, page_size=size)
    touched = sandbox.state.touch(provider, 3)  # committed already, now changed again
    pending = store.all()[-1].id  # the newest seed: not committed yet, and now changed
    store.update(pending, fields_named(provider, phone="+1-555-0000"))
    created = store.create(fields_named(provider, last_name="New", email="new@example.com")).id

    resumed, cursor = drain(provider, api, cursor, size)
    following, _ = drain(provider, api, cursor, size)  # the next poll
    seen = committed + contacts(resumed) + contacts(following)

    assert {c.external_id for c in seen} == {record.id for record in store.all()}
    latest = {contact.external_id: contact for contact in seen}  # the last version seen
    assert latest[pending].fields["phone"] == "+1-555-0000"
    assert created in latest
    before = {contact.external_id: contact.modified_at for contact in committed}
    assert all(latest[record_id].modified_at > before[record_id] for record_id in touched)
    # Re-seen: at most the three touched and the one changed, never the whole backfill.
    assert len(seen) <= len(store) + 4


def test_an_incremental_poll_returns_just_the_touched_contacts(provider, api, sandbox):
    _, cursor = drain(provider, api, {}, PAGE_SIZE[provider])
    touched = sandbox.state.touch(provider, 5)
    pages, cursor = drain(provider, api, cursor, PAGE_SIZE[provider])
    # As a set: Dynamics has whole seconds, and orders one second's rows by contactid.
    assert sorted(ids(pages)) == sorted(touched)
    first_names = {contact.fields["first_name"] for contact in contacts(pages)}
    assert first_names == {"Ada", "Alan", "Barbara", "Claude", "Dennis"}
    again, _ = drain(provider, api, cursor, PAGE_SIZE[provider])
    assert ids(again) == [] and again[0].done


@pytest.mark.parametrize("provider", ["salesforce"])
def test_salesforce_sends_the_date_time_plus_encoded(provider, api, sandbox):
    # SOQL date-times are unquoted: a "+00:00" sent as a bare "+" would arrive as a space.
    _, cursor = drain(provider, api, {}, 200)
    sandbox.state.touch(provider, 1)
    pages, _ = drain(provider, api, cursor, 200)
    assert len(ids(pages)) == 1
    query = sandbox.state.requests(provider)[-1].query
    assert "WHERE%20LastModifiedDate%20%3E%3D%202024-01-19T17%3A30%3A00%2B00%3A00%20" in query


@pytest.mark.parametrize("provider", ["salesforce"])
def test_salesforce_requeries_from_its_keyset_when_the_locator_expired(provider, api, sandbox):
    first = adapter_for(provider).fetch_page(api=api, cursor={}, page_size=200)
    assert first.cursor["next"].startswith("/services/data/v59.0/query/01g")
    expired = {**first.cursor, "next": "/services/data/v59.0/query/01gEXPIRED000000-200"}
    rest, _ = drain(provider, api, expired, 200)
    found = [c.external_id for c in first.contacts] + ids(rest)
    assert len(found) == len(set(found)) == SEEDS
    statuses = sandbox.state.stats()["statuses"]["salesforce"]
    assert statuses["400"] == 1  # INVALID_QUERY_LOCATOR, answered by a new query


@pytest.mark.parametrize("provider", ["hubspot", "dynamics"])
def test_rows_sharing_one_timestamp_page_through_once(provider, api, sandbox):
    """A bulk import stamps many rows with one modified time: more than a page of them."""
    stamp = datetime(2024, 6, 1, 12, tzinfo=UTC)
    bulk = [
        fields_named(provider, last_name=f"Bulk {i}", email=f"b{i}@example.com") for i in range(230)
    ]
    rows = [(fields, stamp, stamp) for fields in bulk]
    rows.append((fields_named(provider, last_name="After"), stamp, stamp + timedelta(hours=1)))
    sandbox.state.store(provider).load(rows)
    pages, cursor = drain(provider, api, {}, 50)
    found = ids(pages)
    assert len(found) == len(set(found)) == 231
    inside = "after" if provider == "hubspot" else "block_after"
    assert any(page.cursor[inside] for page in pages)  # it paged inside the timestamp
    assert not cursor[inside] and cursor["since"] == (stamp + timedelta(hours=1)).isoformat()


def test_dynamics_reads_a_second_again_while_it_can_still_gain_rows(tenant):
    """Dataverse stamps seconds: after walking a second that is still live, the poll stops
    there, so a row written into that second afterwards (with a lower id) is still found."""
    live = (datetime.now(UTC) + timedelta(seconds=60)).replace(microsecond=0)
    state = SandboxState(seed_count=0, now=lambda: live)  # every write lands in this second
    with start_sandbox(state=state) as sandbox:
        connection = create_connection(
            tenant=tenant,
            connector="dynamics",
            config=CONFIG["dynamics"],
            credentials={"access_token": TOKEN},
            base_url=sandbox.base_url("dynamics"),
        )
        api = RemoteApi.for_connection(connection)
        for i in range(120):
            state.dynamics.create({"lastname": f"Live {i}"})
        pages, cursor = drain("dynamics", api, {}, 50)
        assert len(set(ids(pages))) == len(ids(pages)) == 120
        assert cursor["since"] == live.isoformat()  # not past the live second
        late = state.dynamics.create(
            {"lastname": "Late"}, record_id="00000000-0000-0000-0000-000000000001"
        )
        again, _ = drain("dynamics", api, cursor, 50)
        assert late.id in ids(again)


@pytest.mark.parametrize(
    ("provider", "status", "wait"),
    [("hubspot", 429, 3.0), ("salesforce", 403, 1.0), ("dynamics", 429, 3.0)],
)
def test_a_rate_limit_raises_rate_limited_with_the_wait(provider, status, wait, api, sandbox):
    # HubSpot names its window in X-HubSpot-RateLimit-Interval-Milliseconds, Dynamics sends
    # Retry-After, Salesforce's 403 REQUEST_LIMIT_EXCEEDED says nothing: one second.
    sandbox.state.faults.set(provider, rate_limit_next=1, retry_after=3)
    adapter = adapter_for(provider)
    with pytest.raises(RateLimited) as raised:
        adapter.fetch_page(api=api, cursor={}, page_size=PAGE_SIZE[provider])
    assert raised.value.status_code == status and raised.value.retry_after == wait
    assert raised.value.retryable and provider in str(raised.value)
    page = adapter.fetch_page(api=api, cursor={}, page_size=PAGE_SIZE[provider])
    assert len(page.contacts) == PAGE_SIZE[provider]


def test_server_errors_are_retryable_and_client_errors_are_not(provider, api, sandbox):
    adapter = adapter_for(provider)
    sandbox.state.faults.set(provider, error_burst=1)
    with pytest.raises(RemoteError) as server:
        adapter.fetch_page(api=api, cursor={}, page_size=PAGE_SIZE[provider])
    assert server.value.retryable and server.value.status_code == 503
    assert not isinstance(server.value, RateLimited)
    sandbox.state.faults.set(provider, fail_with=403, fail_next=1)
    with pytest.raises(RemoteError) as client:
        adapter.fetch_page(api=api, cursor={}, page_size=PAGE_SIZE[provider])
    assert not client.value.retryable and client.value.status_code == 403
    assert not isinstance(client.value, RateLimited)  # a 403 that is no API limit
    assert str(client.value).startswith(f"{provider} answered HTTP 403: ")
    assert TOKEN not in str(client.value) and TOKEN not in repr(api)


def test_a_refused_token_is_a_permanent_error_that_does_not_show_it(provider, sandbox):
    secret = "not-a-token-the-sandbox-knows"
    api = RemoteApi(provider=provider, base_url=sandbox.base_url(provider), config={}, token=secret)
    with pytest.raises(RemoteError) as refused:
        adapter_for(provider).fetch_page(api=api, cursor={}, page_size=PAGE_SIZE[provider])
    assert refused.value.status_code == 401 and not refused.value.retryable
    assert secret not in str(refused.value)


def test_fetch_contact_finds_one_and_answers_none_when_missing(provider, api, sandbox):
    adapter = adapter_for(provider)
    record = sandbox.state.store(provider).all()[3]
    found = adapter.fetch_contact(api=api, external_id=record.id)
    assert found.external_id == record.id and found.provider == provider
    assert found.fields["email"] == "claude.turing.4@example.com"
    assert found.fields["first_name"] == "Claude" and found.modified_at.tzinfo is not None
    missing = {
        "hubspot": "999999",
        "salesforce": "003SB9999999999AAA",
        "dynamics": "0b9f4c8e-2f0a-4c55-9d38-6d1d3c0a7e21",
    }
    assert adapter.fetch_contact(api=api, external_id=missing[provider]) is None


def test_an_unknown_provider_has_no_adapter():
    with pytest.raises(ValueError, match="no CRM adapter for 'slack'"):
        adapter_for("slack")


def test_a_paging_link_to_another_host_is_not_followed(provider, api):
    with pytest.raises(RemoteError, match="another host"):
        api.request("GET", "https://elsewhere.example.com/steal")
