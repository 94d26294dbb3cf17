"""Each conflict rule end to end: a client synced from HubSpot, then changed both locally (API)
and at HubSpot before the next poll."""

from __future__ import annotations

import pytest

from crm_sync.models import Client, Conflict, ConflictStatus, ExternalReference, SyncStatus
from crm_sync.services.polling import poll

pytestmark = pytest.mark.django_db(transaction=True)
LOCAL, REMOTE = "+1-555-LOCAL", "+1-555-REMOTE"


def _both_sides_change_the_phone(api_client, tenant, connect, sandbox, **settings):
    connection = connect(tenant, "hubspot", **settings)
    poll(connection=connection)
    record = sandbox.state.hubspot.all()[10]
    client = ExternalReference.objects.get(external_id=record.id).client
    response = api_client.patch(f"/api/v1/clients/{client.id}", {"phone": LOCAL}, format="json")
    assert response.status_code == 200
    sandbox.state.hubspot.update(record.id, {"phone": REMOTE, "company": "Globex Remote"})
    run = poll(connection=connection)
    assert run.conflicts == 1
    return Client.objects.get(pk=client.pk)


@pytest.mark.parametrize(
    ("rule", "owners", "phone", "status"),
    [
        ("remote_wins", {}, REMOTE, SyncStatus.SYNCED),
        ("local_wins", {}, LOCAL, SyncStatus.NEEDS_UPDATE),  # the provider gets the local value
        ("last_write_wins", {}, REMOTE, SyncStatus.SYNCED),  # HubSpot's change came later
        ("field_owner", {"phone": "local"}, LOCAL, SyncStatus.NEEDS_UPDATE),
        ("non_empty_wins", {}, REMOTE, SyncStatus.SYNCED),  # both set: the last write
        ("manual_review", {}, LOCAL, SyncStatus.FAILED),  # held until someone decides
    ],
)
def test_each_rule(api_client, tenant, connect, sandbox, rule, owners, phone, status):
    settings = {"conflict_rule": rule, "field_owners": owners}
    client = _both_sides_change_the_phone(api_client, tenant, connect, sandbox, **settings)
    assert client.phone == phone and client.sync_status == status
    assert client.company == "Globex Remote"  # only the remote changed it: no conflict there
    assert Conflict.objects.filter(status=ConflictStatus.OPEN).count() == (rule == "manual_review")


def test_a_conflict_held_for_review_is_decided_through_the_api(
    api_client, tenant, connect, sandbox
):
    client = _both_sides_change_the_phone(
        api_client, tenant, connect, sandbox, conflict_rule="manual_review"
    )
    [listed] = api_client.get("/api/v1/conflicts").json()["results"]
    assert listed["fields"] == ["phone"]
    assert (listed["local_values"], listed["remote_values"]) == (
        {"phone": LOCAL},
        {"phone": REMOTE},
    )
    response = api_client.post(
        f"/api/v1/conflicts/{listed['id']}/resolve", {"keep": "remote"}, format="json"
    )
    assert response.status_code == 200 and response.json()["resolution"] == "remote"
    client.refresh_from_db()
    assert client.phone == REMOTE and client.sync_status == SyncStatus.SYNCED
    again = api_client.post(
        f"/api/v1/conflicts/{listed['id']}/resolve", {"keep": "local"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict_closed"
