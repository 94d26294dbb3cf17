"""Deciding a conflict held for review: keep the local values (the provider gets them by a
push) or take the remote ones."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from crm_sync.mapping import values_hash
from crm_sync.models import Client, Conflict, ConflictStatus, SyncStatus
from crm_sync.services import clients

KEEP_CHOICES = ("local", "remote")


class ConflictClosed(ValueError):
    pass


@transaction.atomic
def resolve(*, conflict: Conflict, keep: str) -> Conflict:
    if keep not in KEEP_CHOICES:
        raise ValueError(f"keep must be one of {', '.join(KEEP_CHOICES)}")
    conflict = Conflict.objects.select_for_update().select_related("reference").get(pk=conflict.pk)
    if conflict.status != ConflictStatus.OPEN:
        raise ConflictClosed("this conflict was already resolved")
    client = Client.objects.select_for_update().select_related("tenant").get(pk=conflict.client_id)
    reference = conflict.reference
    if keep == "remote":
        changed = clients.record_changes(client, dict(conflict.remote_values))
        if changed:
            client.save()
            clients.publish_updated(client, changed=changed, source="conflict_resolution")
    # Both sides now agree the remote's values were the last synced ones: what the client
    # holds beyond them is a local change the push sends.
    reference.synced_values = {**reference.synced_values, **conflict.remote_values}
    reference.payload_hash = values_hash(reference.synced_values)
    reference.save(update_fields=["synced_values", "payload_hash"])
    conflict.status, conflict.resolution = ConflictStatus.RESOLVED, keep
    conflict.resolved_at = timezone.now()
    conflict.save(update_fields=["status", "resolution", "resolved_at"])
    _settle(client)
    return conflict


def _settle(client: Client) -> None:
    differs = any(
        getattr(client, name) != value
        for ref in client.references.all()
        for name, value in ref.synced_values.items()
    )
    if client.conflicts.filter(status=ConflictStatus.OPEN).exists():
        return
    if differs:
        clients.set_sync_status(client=client, status=SyncStatus.NEEDS_UPDATE, error="")
        clients.schedule_push(client)
    else:
        clients.set_sync_status(client=client, status=SyncStatus.SYNCED, error="", synced=True)
