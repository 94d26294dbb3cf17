"""Celery tasks of the CRM sync: take ids, call the services."""

from __future__ import annotations

from celery import shared_task

from connectors.models import Connection, ConnectionStatus
from crm_sync.models import RunStatus, SyncRun
from crm_sync.services import polling, push, sweeper


@shared_task(name="crm_sync.poll_connection", ignore_result=True)
def poll_connection(connection_id: str, run_id: str | None = None) -> str | None:
    connection = Connection.objects.filter(pk=connection_id, status=ConnectionStatus.ACTIVE).first()
    run = SyncRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).first() if run_id else None
    if connection is None or (run_id and run is None):
        return None  # removed or disabled since, or this run already went
    return str(polling.poll(connection=connection, run=run).id)


@shared_task(name="crm_sync.push_client", ignore_result=True)
def push_client(client_id: str) -> None:
    push.push(client_id=client_id)


@shared_task(name="crm_sync.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    return sweeper.sweep()
