"""The CRM sweeper (beat): pushes that a lost broker message never started, pushes whose
outcome a missed listener never settled, and the clients-by-status gauge."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm_sync import metrics, selectors
from crm_sync.models import Client, SyncStatus
from crm_sync.services import clients, push

BATCH = 500


def sweep() -> dict[str, int]:
    stale = timezone.now() - timedelta(seconds=settings.CRM_SYNC_PUSH_SWEEP_AFTER_SECONDS)
    waiting = list(
        Client.objects.filter(sync_status=SyncStatus.NEEDS_UPDATE, updated_at__lte=stale)
        .order_by("updated_at")
        .values_list("id", flat=True)[:BATCH]
    )
    for client_id in waiting:
        clients.enqueue_push(client_id)
    pending = list(
        Client.objects.filter(sync_status=SyncStatus.PENDING, updated_at__lte=stale).values_list(
            "id", flat=True
        )[:BATCH]
    )
    for client_id in pending:
        with transaction.atomic():
            client = Client.objects.select_for_update(skip_locked=True).filter(pk=client_id).first()
            if client is not None:
                push.settle(client)
    for status, count in selectors.clients_by_status().items():
        metrics.CLIENTS.labels(status=status).set(count)
    return {"pushes": len(waiting), "settled": len(pending)}
