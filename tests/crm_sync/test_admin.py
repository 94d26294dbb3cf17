"""The CRM in the admin: clients edited through the services, actions, conflicts decided,
sync profiles whose schedule shows in the beat admin."""

from __future__ import annotations

import pytest

from crm_sync.models import Client, Conflict, ConflictStatus, ExternalReference, SyncStatus
from crm_sync.services import clients
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(tenant):
    return clients.create_client(
        tenant=tenant, values={"name": "Ada Lovelace", "email": "ada@example.com"}, status="SYNCED"
    )


def test_client_pages_and_filters_render(staff_client, ada):
    for url in (
        "/admin/crm_sync/client/",
        "/admin/crm_sync/client/?sync_status__exact=SYNCED",
        f"/admin/crm_sync/client/{ada.pk}/change/",
        "/admin/crm_sync/syncrun/",
        "/admin/crm_sync/externalreference/",
        "/admin/crm_sync/conflict/",
        "/admin/crm_sync/syncprofile/",
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
    assert b"Ada Lovelace" in staff_client.get("/admin/crm_sync/client/").content


def test_an_admin_edit_publishes_and_needs_an_update(staff_client, tenant, ada):
    form = {
        "name": "Ada King",
        "email": "ada@example.com",
        "phone": "",
        "company": "",
        "extra": "{}",
        "references-TOTAL_FORMS": "0",
        "references-INITIAL_FORMS": "0",
    }
    response = staff_client.post(f"/admin/crm_sync/client/{ada.pk}/change/", form)
    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.name, ada.version, ada.sync_status) == ("Ada King", 2, SyncStatus.NEEDS_UPDATE)
    assert Event.objects.filter(event_type="client.updated").count() == 1


def test_push_now_and_mark_needs_update_actions(staff_client, ada):
    data = {"action": "mark_needs_update", "_selected_action": [str(ada.pk)]}
    assert staff_client.post("/admin/crm_sync/client/", data).status_code == 302
    assert Client.objects.get(pk=ada.pk).sync_status == SyncStatus.NEEDS_UPDATE
    Client.objects.filter(pk=ada.pk).update(sync_status=SyncStatus.FAILED)
    data["action"] = "push_now"
    assert staff_client.post("/admin/crm_sync/client/", data).status_code == 302
    assert Client.objects.get(pk=ada.pk).sync_status == SyncStatus.NEEDS_UPDATE


def test_take_remote_resolves_a_conflict(staff_client, tenant, ada, connect):
    connection = connect(tenant, "hubspot")
    reference = ExternalReference.objects.create(
        tenant=tenant,
        client=ada,
        connection=connection,
        provider="hubspot",
        external_id="1001",
        synced_values={"name": "Ada", "email": "ada@example.com", "phone": "", "company": ""},
    )
    conflict = Conflict.objects.create(
        tenant=tenant,
        client=ada,
        reference=reference,
        fields=["name"],
        local_values={"name": "Ada Lovelace"},
        remote_values={"name": "Ada Byron"},
    )
    data = {"action": "take_remote", "_selected_action": [str(conflict.pk)]}
    assert staff_client.post("/admin/crm_sync/conflict/", data).status_code == 302
    conflict.refresh_from_db()
    ada.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED and conflict.resolution == "remote"
    assert ada.name == "Ada Byron" and ada.sync_status == SyncStatus.SYNCED


def test_saving_a_sync_profile_schedules_it_in_the_beat_admin(staff_client, tenant, connect):
    connection = connect(tenant, "dynamics")
    form = {
        "polling_enabled": "on",
        "poll_interval_seconds": "600",
        "page_size": "100",
        "conflict_rule": "last_write_wins",
        "field_owners": "{}",
        "push_enabled": "on",
    }
    url = f"/admin/crm_sync/syncprofile/{connection.pk}/change/"
    assert staff_client.post(url, form).status_code == 302
    beat = staff_client.get("/admin/django_celery_beat/periodictask/")
    assert f"CRM sync: poll dynamics {connection.id}".encode() in beat.content
