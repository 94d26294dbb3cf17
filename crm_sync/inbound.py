"""Webhook-triggered sync (seed 001): a CRM event from an inbound webhook fetches the full
record from the provider when the payload is partial, then applies it like a polled one
(deduplicated by external reference, then email). Runs as an inbound handler inside the
processing transaction, so the event is marked processed only with its sync committed, and a
provider that can't be reached leaves the event to be processed again."""

from __future__ import annotations

import structlog
from django.utils import timezone

from connectors.models import Connection, ConnectionStatus
from crm_sync.models import RunStatus, SyncTrigger
from crm_sync.remote import POLLING_PROVIDERS, RemoteApi, RemoteContact, adapter_for
from crm_sync.services import runs
from crm_sync.services.profiles import profile_for
from crm_sync.services.pull import Tally, apply_contact
from webhooks.inbound.models import InboundEvent

log = structlog.get_logger(__name__)


def sync_from_webhook(event: InboundEvent) -> None:
    if event.provider not in POLLING_PROVIDERS or not isinstance(event.payload, dict | list):
        return
    adapter = adapter_for(event.provider)
    change = adapter.from_webhook(
        event_type=event.event_type, object_id=event.object_id, payload=event.payload
    )
    if change is None:
        return
    connection = connection_for(event)
    if connection is None:
        log.info("crm webhook without a connection", inbound_event_id=str(event.id))
        return
    contact = change.contact
    if change.deleted:
        contact = _gone(event.provider, change.external_id)
    elif contact is None:
        contact = adapter.fetch_contact(
            api=RemoteApi.for_connection(connection), external_id=change.external_id
        )
        contact = contact or _gone(event.provider, change.external_id)
    _apply(connection, contact)


def _gone(provider: str, external_id: str) -> RemoteContact:
    return RemoteContact(
        provider=provider,
        external_id=external_id,
        fields={},
        modified_at=timezone.now(),
        raw={},
        deleted=True,
    )


def _apply(connection: Connection, contact: RemoteContact) -> None:
    run = runs.start(connection=connection, trigger=SyncTrigger.WEBHOOK)
    tally = Tally()
    apply_contact(profile=profile_for(connection), contact=contact, mode="webhook", tally=tally)
    status = RunStatus.FAILED if tally.failed else RunStatus.SUCCEEDED
    runs.finish(run=run, status=status, tally=tally)


def connection_for(event: InboundEvent) -> Connection | None:
    """The registration's connection, else the tenant's one active connection of the provider
    (seed 000's provider-level endpoint names no connection)."""
    registration = event.registration
    if registration.connection_id:
        return registration.connection
    candidates = list(
        Connection.objects.filter(
            tenant_id=event.tenant_id, connector=event.provider, status=ConnectionStatus.ACTIVE
        )[:2]
    )
    return candidates[0] if len(candidates) == 1 else None
