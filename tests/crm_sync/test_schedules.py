"""Each polling connection has a django-celery-beat PeriodicTask at its interval, created,
changed and removed with the connection; and "sync now" queues a run a worker polls."""

from __future__ import annotations

import json

import pytest
from django_celery_beat.models import PeriodicTask

from connectors.connections import set_status
from crm_sync.models import RunStatus, SyncProfile, SyncRun
from tests.factories import IssuedKeyFactory
from tests.waiting import wait_until
from tests.worker import celery_worker


def _task_of(connection) -> PeriodicTask | None:
    return SyncProfile.objects.get(connection=connection).periodic_task


@pytest.mark.django_db
def test_the_schedule_follows_the_settings_and_the_connection(tenant, connect):
    connection = connect(tenant, "salesforce")
    assert _task_of(connection) is None  # polling is off until asked for
    connect_settings = {"polling_enabled": True, "poll_interval_seconds": 120}
    from crm_sync.services import profiles

    profiles.update_settings(connection=connection, changes=connect_settings)
    task = _task_of(connection)
    assert task.task == "crm_sync.poll_connection" and task.enabled
    assert (task.interval.every, task.interval.period) == (120, "seconds")
    assert json.loads(task.args) == [str(connection.id)]
    profiles.update_settings(connection=connection, changes={"poll_interval_seconds": 900})
    assert PeriodicTask.objects.get(pk=task.pk).interval.every == 900
    set_status(connection=connection, status="disabled")
    assert _task_of(connection) is None and not PeriodicTask.objects.filter(pk=task.pk).exists()
    set_status(connection=connection, status="active")
    task = _task_of(connection)
    assert task is not None
    connection.delete()
    assert not PeriodicTask.objects.filter(pk=task.pk).exists()


@pytest.mark.django_db
def test_sync_settings_api_validates_and_schedules(api_client, tenant, connect):
    connection = connect(tenant, "hubspot")
    url = f"/api/v1/connections/{connection.id}/sync-settings"
    assert api_client.get(url).json()["polling_enabled"] is False
    bad = api_client.patch(url, {"conflict_rule": "coin_flip"}, format="json")
    assert bad.status_code == 400 and "conflict_rule" in str(bad.json())
    body = {"polling_enabled": True, "poll_interval_seconds": 60, "conflict_rule": "field_owner"}
    body["field_owners"] = {"phone": "local"}
    response = api_client.patch(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["schedule"] == _task_of(connection).name
    other = IssuedKeyFactory().api_key.tenant
    theirs = connect(other, "hubspot")
    assert api_client.get(f"/api/v1/connections/{theirs.id}/sync-settings").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_sync_now_is_a_202_with_the_run_a_real_worker_polls(api_client, tenant, connect):
    connection = connect(tenant, "dynamics")
    response = api_client.post(f"/api/v1/connections/{connection.id}/sync")
    assert response.status_code == 202
    run_id = response.json()["id"]
    assert response.json()["status"] == RunStatus.QUEUED
    with celery_worker():
        wait_until(lambda: SyncRun.objects.get(pk=run_id).status == RunStatus.SUCCEEDED)
    run = SyncRun.objects.get(pk=run_id)
    assert run.status == RunStatus.SUCCEEDED and run.created == 250
    listed = api_client.get(f"/api/v1/sync-runs?connection={connection.id}").json()["results"]
    assert [r["id"] for r in listed] == [run_id]


@pytest.mark.django_db
def test_another_tenants_runs_and_conflicts_stay_hidden(api_client, tenant, connect):
    other = IssuedKeyFactory().api_key.tenant
    theirs = connect(other, "hubspot")
    run = SyncRun.objects.create(tenant=other, connection=theirs, trigger="poll")
    assert api_client.get("/api/v1/sync-runs").json()["results"] == []
    assert api_client.get(f"/api/v1/sync-runs/{run.id}").status_code == 404
    assert api_client.post(f"/api/v1/connections/{theirs.id}/sync").status_code == 404
    assert api_client.get("/api/v1/sync-runs?status=bogus").status_code == 400
