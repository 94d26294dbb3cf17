"""Applying remote contacts to the local CRM, from a poll page or a webhook: find the client
(by external reference, then by email), merge by the connection's conflict rule, and record
what both sides now agree on. Each contact applies in its own savepoint, so one bad record
fails alone and a concurrent writer's unique-key race is retried once."""

from __future__ import annotations

from dataclasses import dataclass, fields

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from connectors import metrics as connector_metrics
from crm_sync.mapping import client_values, values_hash
from crm_sync.merge import Merged, Sides, merge
from crm_sync.models import (
    Client,
    Conflict,
    ConflictStatus,
    ExternalReference,
    SyncProfile,
    SyncStatus,
)
from crm_sync.remote import RemoteContact
from crm_sync.services import clients

log = structlog.get_logger(__name__)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def apply_contacts(
    *, profile: SyncProfile, contacts: list[RemoteContact], mode: str, tally: Tally
) -> None:
    """A page: the contacts new to the tenant in a few bulk statements (a backfill is mostly
    these), every other one through the merge, one by one."""
    contacts = _newest_per_record(contacts)
    for contact in _create_new(profile, contacts, mode, tally):
        apply_contact(profile=profile, contact=contact, mode=mode, tally=tally)


def _create_new(
    profile: SyncProfile, contacts: list[RemoteContact], mode: str, tally: Tally
) -> list[RemoteContact]:
    """Create clients for the contacts no reference and no client's email knows; return the
    rest. A concurrent writer's race (a unique key) sends the whole page the slow way."""
    try:
        with transaction.atomic():
            new = _unknown(profile, contacts)
            _bulk_create(profile, new)
    except IntegrityError:
        return contacts
    tally.created += len(new)
    if new:
        connector_metrics.INGEST.labels(provider=new[0][0].provider, mode=mode).inc(len(new))
    created = {contact.external_id for contact, _ in new}
    return [c for c in contacts if c.external_id not in created]


def _unknown(
    profile: SyncProfile, contacts: list[RemoteContact]
) -> list[tuple[RemoteContact, dict[str, str]]]:
    linked = set(
        ExternalReference.objects.filter(
            connection_id=profile.connection_id,
            external_id__in=[c.external_id for c in contacts],
        ).values_list("object_type", "external_id")
    )
    candidates = [
        (c, client_values(provider=c.provider, remote_fields=c.fields))
        for c in contacts
        if not c.deleted and (c.object_type, c.external_id) not in linked
    ]
    emails = {values["email"] for _, values in candidates if values.get("email")}
    taken = set(
        Client.objects.filter(tenant_id=profile.tenant_id, email__in=emails).values_list(
            "email", flat=True
        )
    )
    new = []
    for contact, values in candidates:
        email = values.get("email", "")
        if email and email in taken:
            continue  # an existing client, or a second contact with this email on the page
        taken.add(email)
        new.append((contact, values))
    return new


def _bulk_create(
    profile: SyncProfile, new: list[tuple[RemoteContact, dict[str, str]]]
) -> list[Client]:
    """New clients, SYNCED, with their references and ``client.created`` events."""
    now = timezone.now()
    created = Client.objects.bulk_create(
        Client(
            tenant_id=profile.tenant_id,
            sync_status=SyncStatus.SYNCED,
            last_synced_at=now,
            **clients.normalise(values),
        )
        for _, values in new
    )
    references = []
    for client, (contact, values) in zip(created, new, strict=True):
        reference = new_reference(
            client=client, connection_id=profile.connection_id, contact=contact
        )
        _record_pull(reference, contact, synced=values, remote=values, now=now)
        references.append(reference)
    ExternalReference.objects.bulk_create(references)
    clients.publish_created_many(created, tenant=profile.connection.tenant)
    return created


def new_reference(*, client: Client, connection_id, contact: RemoteContact) -> ExternalReference:
    return ExternalReference(
        tenant_id=client.tenant_id,
        client=client,
        connection_id=connection_id,
        provider=contact.provider,
        object_type=contact.object_type,
        external_id=contact.external_id,
    )


def _record_pull(
    reference: ExternalReference,
    contact: RemoteContact,
    *,
    synced: dict[str, str],
    remote: dict[str, str],
    now,
) -> None:
    """What a pull of ``contact`` leaves on its reference (``synced``: what both sides agree
    on now; ``remote``: what the provider sent, whose hash spots the next unchanged read)."""
    reference.remote_modified_at = contact.modified_at
    reference.payload_hash = values_hash(remote)
    reference.synced_values = synced
    reference.last_pulled_at = now


def _newest_per_record(contacts: list[RemoteContact]) -> list[RemoteContact]:
    newest: dict[tuple[str, str], RemoteContact] = {}
    for contact in contacts:
        key = (contact.object_type, contact.external_id)
        if key not in newest or contact.modified_at >= newest[key].modified_at:
            newest[key] = contact
    return list(newest.values())


def apply_contact(
    *, profile: SyncProfile, contact: RemoteContact, mode: str, tally: Tally
) -> Client | None:
    connector_metrics.INGEST.labels(provider=contact.provider, mode=mode).inc()
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _apply(profile, contact, tally)
        except IntegrityError:
            if attempt:  # a concurrent writer again: give up on this record, count it
                break
        except Exception as exc:  # one bad record must not stop the page
            log.warning(
                "crm contact failed to apply",
                provider=contact.provider,
                external_id=contact.external_id,
                error=f"{type(exc).__name__}: {exc}",
            )
            break
    tally.failed += 1
    connector_metrics.ERRORS.labels(provider=contact.provider, mode=mode).inc()
    return None


def _apply(profile: SyncProfile, contact: RemoteContact, tally: Tally) -> Client | None:
    reference = (
        ExternalReference.objects.select_for_update()
        .filter(
            connection_id=profile.connection_id,
            object_type=contact.object_type,
            external_id=contact.external_id,
        )
        .first()
    )
    if contact.deleted:
        _unlink(reference, tally)
        return None
    remote = client_values(provider=contact.provider, remote_fields=contact.fields)
    if reference is not None:
        client = Client.objects.select_for_update().get(pk=reference.client_id)
        if _in_agreement(reference, client, remote):
            tally.unchanged += 1
            return client
        return _merge_into(profile, client, reference, contact, remote, tally)
    client = _client_by_email(profile, remote.get("email", ""))
    if client is None:
        return _create(profile, contact, remote, tally)
    return _merge_into(profile, client, None, contact, remote, tally)


def _in_agreement(reference: ExternalReference, client: Client, remote: dict[str, str]) -> bool:
    """Nothing changed on either side since the last sync: no write at all."""
    local = {name: getattr(client, name) for name in remote}
    return reference.payload_hash == values_hash(remote) and local == reference.synced_values


def _client_by_email(profile: SyncProfile, email: str) -> Client | None:
    if not email:
        return None
    return (
        Client.objects.select_for_update()
        .filter(tenant_id=profile.tenant_id, email__iexact=email)
        .first()
    )


def _create(
    profile: SyncProfile, contact: RemoteContact, remote: dict[str, str], tally: Tally
) -> Client:
    [client] = _bulk_create(profile, [(contact, remote)])
    tally.created += 1
    return client


def _merge_into(
    profile: SyncProfile,
    client: Client,
    reference: ExternalReference | None,
    contact: RemoteContact,
    remote: dict[str, str],
    tally: Tally,
) -> Client:
    sides = Sides(
        base=reference.synced_values if reference else None,
        local={name: getattr(client, name) for name in remote},
        remote=remote,
        local_modified=client.updated_at,
        remote_modified=contact.modified_at,
    )
    merged = merge(sides=sides, rule=profile.conflict_rule, field_owners=profile.field_owners)
    changed = clients.record_changes(client, {n: merged.values[n] for n in merged.changed})
    if changed:
        client.save()
        clients.publish_updated(client, changed=changed, source=contact.provider)
    tally.updated += bool(changed)
    tally.unchanged += not changed
    tally.conflicts += bool(merged.conflicts)
    agreed = {
        n: (sides.base or {}).get(n, "") if n in merged.held else v for n, v in remote.items()
    }
    reference = _save_reference(profile, client, reference, contact, synced=agreed, remote=remote)
    _settle_status(client, reference, merged, contact)
    return client


def _save_reference(
    profile: SyncProfile,
    client: Client,
    reference: ExternalReference | None,
    contact: RemoteContact,
    *,
    synced: dict[str, str],
    remote: dict[str, str],
) -> ExternalReference:
    reference = reference or new_reference(
        client=client, connection_id=profile.connection_id, contact=contact
    )
    reference.client = client
    _record_pull(reference, contact, synced=synced, remote=remote, now=timezone.now())
    reference.save()
    return reference


def _settle_status(
    client: Client, reference: ExternalReference, merged: Merged, contact: RemoteContact
) -> None:
    if merged.held:
        _open_conflict(client, reference, merged, contact)
        error = f"conflict on {', '.join(merged.held)} awaits review"
        clients.set_sync_status(client=client, status=SyncStatus.FAILED, error=error)
    elif merged.needs_push:
        clients.set_sync_status(client=client, status=SyncStatus.NEEDS_UPDATE)
        clients.schedule_push(client)
    elif client.sync_status != SyncStatus.PENDING:
        clients.set_sync_status(client=client, status=SyncStatus.SYNCED, error="", synced=True)


def _open_conflict(
    client: Client, reference: ExternalReference, merged: Merged, contact: RemoteContact
) -> None:
    remote = client_values(provider=contact.provider, remote_fields=contact.fields)
    Conflict.objects.update_or_create(
        reference=reference,
        status=ConflictStatus.OPEN,
        defaults={
            "tenant_id": client.tenant_id,
            "client": client,
            "fields": merged.held,
            "local_values": {n: getattr(client, n) for n in merged.held},
            "remote_values": {n: remote[n] for n in merged.held},
            "remote_modified_at": contact.modified_at,
        },
    )


def _unlink(reference: ExternalReference | None, tally: Tally) -> None:
    """The record is gone at the provider: forget the link. The client goes too when that link
    was all it had and it holds no local change the provider never heard of."""
    if reference is None:
        tally.unchanged += 1
        return
    client = Client.objects.select_for_update().get(pk=reference.client_id)
    untouched = all(getattr(client, n) == v for n, v in reference.synced_values.items())
    reference.delete()
    if untouched and not client.references.exists():
        clients.delete_client(client=client)
    tally.updated += 1
