"""Writes of the local CRM. Every change publishes its event through the outbox in the same
transaction, so subscribers hear of each change exactly once: ``client.created``,
``client.updated`` (keyed by the client's version), ``client.deleted`` and
``sync.status.changed``."""

from __future__ import annotations

from functools import partial
from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone

from core.constraints import ensure_unique
from crm_sync.models import SYNCED_FIELDS, Client, SyncStatus
from tenants.models import Tenant
from webhooks.outbound.publishing import publish, publish_many

log = structlog.get_logger(__name__)
EDITABLE = (*SYNCED_FIELDS, "extra")


def client_payload(client: Client) -> dict[str, Any]:
    return {
        "id": str(client.id),
        "name": client.name,
        "email": client.email,
        "phone": client.phone,
        "company": client.company,
        "extra": client.extra,
        "syncStatus": client.sync_status,
        "version": client.version,
        "lastSyncedAt": client.last_synced_at.isoformat() if client.last_synced_at else None,
        "createdAt": client.created_at.isoformat() if client.created_at else None,
        "updatedAt": client.updated_at.isoformat() if client.updated_at else None,
    }


def normalise(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in values.items() if k in EDITABLE}
    for name in SYNCED_FIELDS:
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].lower()
    return cleaned


@transaction.atomic
def create_client(
    *, tenant: Tenant, values: dict[str, Any], status: str = SyncStatus.NEEDS_UPDATE
) -> Client:
    """A new client. Made locally it NEEDS_UPDATE: the push sends it to the tenant's CRMs."""
    client = Client(tenant=tenant, sync_status=status, **normalise(values))
    ensure_unique(client)
    client.save(force_insert=True)
    publish_created(client, tenant=tenant)
    if status == SyncStatus.NEEDS_UPDATE:
        schedule_push(client)
    return client


@transaction.atomic
def update_client(*, client: Client, changes: dict[str, Any]) -> Client:
    """A local edit: the changed fields, a new version, NEEDS_UPDATE and a push."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    changed = record_changes(client, normalise(changes))
    if not changed:
        return client
    ensure_unique(client)
    client.save()
    publish_updated(client, changed=changed, source="local")
    set_sync_status(client=client, status=SyncStatus.NEEDS_UPDATE)
    schedule_push(client)
    return client


def publish_created(client: Client, *, tenant: Tenant) -> None:
    publish(tenant, "client.created", client_payload(client), _created_key(client))


def publish_created_many(created: list[Client], *, tenant: Tenant) -> None:
    items = [(client_payload(client), _created_key(client)) for client in created]
    publish_many(tenant, "client.created", items)


def _created_key(client: Client) -> str:
    return f"client.created:{client.id}"


def record_changes(client: Client, values: dict[str, Any]) -> list[str]:
    """Set the values that differ and bump the version; the names that changed."""
    changed = [name for name, value in values.items() if getattr(client, name) != value]
    for name in changed:
        setattr(client, name, values[name])
    if changed:
        client.version += 1
    return changed


def publish_updated(client: Client, *, changed: list[str], source: str) -> None:
    payload = {**client_payload(client), "changedFields": changed, "source": source}
    publish(
        client.tenant, "client.updated", payload, f"client.updated:{client.id}:{client.version}"
    )


@transaction.atomic
def delete_client(*, client: Client) -> None:
    publish(client.tenant, "client.deleted", client_payload(client), f"client.deleted:{client.id}")
    client.delete()


def set_sync_status(
    *, client: Client, status: str, error: str | None = None, synced: bool = False
) -> bool:
    """Change the status (and its error) and publish ``sync.status.changed`` if it changed.
    Must run in the caller's transaction with the client row locked or freshly written."""
    old = client.sync_status
    client.sync_status = SyncStatus(status)
    if error is not None:
        client.last_sync_error = error[:2000]
    if synced:
        client.last_synced_at = timezone.now()
    client.save(update_fields=["sync_status", "last_sync_error", "last_synced_at", "updated_at"])
    if old == client.sync_status:
        return False
    publish(
        client.tenant,
        "sync.status.changed",
        {
            "clientId": str(client.id),
            "oldStatus": old,
            "newStatus": client.sync_status,
            "timestamp": timezone.now().isoformat(),
        },
    )
    return True


def schedule_push(client: Client) -> None:
    transaction.on_commit(partial(enqueue_push, client.id))


def enqueue_push(client_id) -> None:
    from crm_sync.tasks import push_client

    try:
        push_client.delay(str(client_id))
    except Exception as exc:  # the broker is down: the push sweeper finds the client later
        log.warning("crm push enqueue failed", client_id=str(client_id), error=str(exc))


@transaction.atomic
def change_sync_status(*, client: Client, status: str) -> Client:
    """Seed 004's "update sync status": NEEDS_UPDATE also schedules the push it asks for."""
    client = Client.objects.select_for_update().select_related("tenant").get(pk=client.pk)
    set_sync_status(client=client, status=status)
    if client.sync_status == SyncStatus.NEEDS_UPDATE:
        schedule_push(client)
    return client
