"""Reads of the local CRM."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from crm_sync.models import Client, SyncRun, SyncStatus
from tenants.models import Tenant


def sync_status_summary(*, tenant: Tenant) -> dict[str, Any]:
    """Seed 004's ``GET /api/crm/sync-status``."""
    counts = Client.objects.filter(tenant=tenant).aggregate(
        total=Count("id"),
        **{s.value: Count("id", filter=Q(sync_status=s.value)) for s in SyncStatus},
        last=Max("last_synced_at"),
    )
    return {
        "totalClients": counts["total"],
        "syncedClients": counts[SyncStatus.SYNCED],
        "pendingClients": counts[SyncStatus.PENDING],
        "failedClients": counts[SyncStatus.FAILED],
        "needsUpdateClients": counts[SyncStatus.NEEDS_UPDATE],
        "lastSyncTime": counts["last"].isoformat() if counts["last"] else None,
    }


def clients_for(
    *, tenant: Tenant, sync_status: str = "", provider: str = "", search: str = ""
) -> QuerySet[Client]:
    clients = Client.objects.filter(tenant=tenant)
    if sync_status:
        clients = clients.filter(sync_status=sync_status)
    if provider:
        clients = clients.filter(references__provider=provider).distinct()
    if search:
        clients = clients.filter(
            Q(name__icontains=search) | Q(email__icontains=search) | Q(company__icontains=search)
        )
    return clients.prefetch_related("references")


def runs_for(
    *, tenant: Tenant, connection_id: Any = None, status: str = "", trigger: str = ""
) -> QuerySet[SyncRun]:
    found = SyncRun.objects.filter(tenant=tenant).select_related("connection")
    if connection_id:
        found = found.filter(connection_id=connection_id)
    if status:
        found = found.filter(status=status)
    if trigger:
        found = found.filter(trigger=trigger)
    return found


def clients_by_status() -> dict[str, int]:
    rows = Client.objects.values("sync_status").annotate(n=Count("id"))
    found = {row["sync_status"]: row["n"] for row in rows}
    return {status.value: found.get(status.value, 0) for status in SyncStatus}
