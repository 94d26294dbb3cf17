"""Pushing local changes to the providers: a client that NEEDS_UPDATE becomes PENDING and
gets one connector call per target connection, keyed by the client's id and version (so a
repeated push of the same version reaches each provider once). When the calls finish, the
client becomes SYNCED, or FAILED with the provider's error; "push now" in the admin retries
the failed calls.

A client a CRM can't hold as it is (HubSpot without an email) gets no call to it: the reason
is the client's error at once, the other CRMs still get their calls, and the client ends
FAILED with the reason (at once when no CRM can take it). It waits for a change, not a
retry."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from django.db import transaction
from django.utils import timezone

from connectors.calls.execute import execute
from connectors.calls.replay import replay_calls
from connectors.errors import CallInProgress, IdempotencyKeyReused
from connectors.models import CallStatus, Connection, ConnectionStatus, ConnectorCall
from crm_sync.mapping import PROVIDER_FIELDS, remote_fields, values_hash
from crm_sync.models import Client, ExternalReference, SyncProfile, SyncStatus
from crm_sync.remote import POLLING_PROVIDERS, adapter_for
from crm_sync.remote.base import CannotPush
from crm_sync.services import clients, runs

log = structlog.get_logger(__name__)
KEY_PREFIX = "crm-push"


@dataclass(frozen=True)
class Target:
    connection: Connection
    reference: ExternalReference | None


def push_key(*, client: Client, connection: Connection, version: int | None = None) -> str:
    return f"{KEY_PREFIX}:{client.id}:{version or client.version}:{connection.id}"


@transaction.atomic
def push(*, client_id) -> Client | None:
    client = (
        Client.objects.select_for_update()
        .select_related("tenant")
        .filter(pk=client_id, sync_status=SyncStatus.NEEDS_UPDATE)
        .first()
    )
    if client is None:  # pushed already, or changed status meanwhile
        return None
    targets = push_targets(client)
    if not targets:
        clients.set_sync_status(client=client, status=SyncStatus.SYNCED, error="", synced=True)
        return client
    requests, refused = _requests(client, targets)
    reason = "; ".join(refused)  # shown while the other calls run; settle() repeats it
    if not requests:
        clients.set_sync_status(client=client, status=SyncStatus.FAILED, error=reason)
        return client
    clients.set_sync_status(client=client, status=SyncStatus.PENDING, error=reason)
    for target, (capability, payload) in requests:
        _call(client, target, capability, payload)
    transaction.on_commit(lambda: settle_later(client.id))
    return client


def push_targets(client: Client) -> list[Target]:
    """Every linked CRM connection that pushes, then every other one that takes new clients."""
    pushing = SyncProfile.objects.filter(
        tenant_id=client.tenant_id,
        push_enabled=True,
        connection__status=ConnectionStatus.ACTIVE,
        connection__connector__in=POLLING_PROVIDERS,
    ).select_related("connection")
    linked = {r.connection_id: r for r in client.references.all()}
    return [Target(p.connection, linked.get(p.connection_id)) for p in pushing]


def _requests(
    client: Client, targets: list[Target]
) -> tuple[list[tuple[Target, tuple[str, dict]]], list[str]]:
    """The (capability, payload) pushing ``client`` to each target that can hold it as it is,
    and why each other target can't."""
    requests, refused = [], []
    for target in targets:
        try:
            request = adapter_for(target.connection.connector).push_request(
                fields=remote_fields(values=client.synced_values()),
                external_id=target.reference.external_id if target.reference else None,
                client_id=str(client.id),
            )
        except CannotPush as exc:
            refused.append(f"{target.connection.connector}: {exc}")
        else:
            requests.append((target, request))
    return requests, refused


def _call(client: Client, target: Target, capability: str, payload: dict) -> None:
    connection = target.connection
    key = push_key(client=client, connection=connection)
    try:
        call = execute(connection, capability, payload, key).call
    except (CallInProgress, IdempotencyKeyReused):  # this version's call exists already
        call = ConnectorCall.objects.get(tenant_id=client.tenant_id, key=key)
    replay_calls(ConnectorCall.objects.filter(pk=call.pk))
    runs.start_push_run(client=client, connection=connection, call=call)


def settle_later(client_id) -> None:
    """A repeated push may find every call already finished: settle without waiting."""
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(pk=client_id).first()
        if client is not None:
            settle(client)


def on_call_finished(call: ConnectorCall) -> None:
    """Runs in the transaction that finishes a connector call."""
    if not call.key.startswith(f"{KEY_PREFIX}:"):
        return
    _, client_id, version, _ = call.key.split(":", 3)
    client = Client.objects.select_for_update().filter(pk=client_id).first()
    linked = False
    if client is not None and str(client.version) == version:
        if call.status == CallStatus.SUCCEEDED:
            linked = _record_pushed(client, call)
        settle(client)
    # else deleted, or changed again: a newer push settles it
    runs.finish_push_run(call=call, linked=linked)


def _record_pushed(client: Client, call: ConnectorCall) -> bool:
    """Remember what the provider now holds; True when this push linked a new record."""
    connection = call.connection
    external_id = adapter_for(connection.connector).pushed_external_id(call.response or {})
    reference = ExternalReference.objects.filter(client=client, connection=connection).first()
    if reference is None and not external_id:
        return False
    linked = reference is None
    reference = reference or ExternalReference(
        tenant_id=client.tenant_id,
        client=client,
        connection=connection,
        provider=connection.connector,
        external_id=external_id,
    )
    provider_fields = PROVIDER_FIELDS[connection.connector]
    reference.synced_values = {n: getattr(client, n) for n in provider_fields}
    reference.payload_hash = values_hash(reference.synced_values)
    reference.last_pushed_at = timezone.now()
    reference.save()
    return linked


def settle(client: Client) -> None:
    """PENDING -> SYNCED once every call of this version succeeded, FAILED once one failed."""
    if client.sync_status != SyncStatus.PENDING:
        return
    calls = list(
        ConnectorCall.objects.filter(
            tenant_id=client.tenant_id,
            key__startswith=f"{KEY_PREFIX}:{client.id}:{client.version}:",
        ).only("status", "error", "connector")
    )
    if not calls or any(c.status in (CallStatus.PENDING, CallStatus.RUNNING) for c in calls):
        return
    _, refused = _requests(client, push_targets(client))  # the targets push() made no call to
    failed = refused + [f"{c.connector}: {c.error}" for c in calls if c.status == CallStatus.FAILED]
    if failed:
        clients.set_sync_status(client=client, status=SyncStatus.FAILED, error="; ".join(failed))
    else:
        clients.set_sync_status(client=client, status=SyncStatus.SYNCED, error="", synced=True)


@transaction.atomic
def retry(*, client: Client) -> None:
    """The admin's "push now": push again whatever the status (failed calls are replayed)."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    clients.set_sync_status(client=client, status=SyncStatus.NEEDS_UPDATE)
    clients.schedule_push(client)
