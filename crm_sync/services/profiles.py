"""Sync settings per CRM connection, and the beat schedule that follows them: one
django-celery-beat PeriodicTask per connection that polls, created, changed and removed with
the connection and its settings (and visible and editable in the beat admin)."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from connectors.models import Connection, ConnectionStatus
from crm_sync.models import ConflictRule, SyncProfile
from crm_sync.remote import POLLING_PROVIDERS

POLL_TASK = "crm_sync.poll_connection"
SETTINGS = ("polling_enabled", "poll_interval_seconds", "page_size", "conflict_rule")
SETTINGS += ("field_owners", "push_enabled")


class InvalidSyncSettings(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def syncs(connection: Connection) -> bool:
    return connection.connector in POLLING_PROVIDERS


def profile_for(connection: Connection) -> SyncProfile:
    profile, _ = SyncProfile.objects.get_or_create(
        connection=connection, defaults={"tenant_id": connection.tenant_id}
    )
    return profile


@transaction.atomic
def update_settings(*, connection: Connection, changes: dict[str, Any]) -> SyncProfile:
    profile = SyncProfile.objects.select_for_update().get(pk=profile_for(connection).pk)
    for name, value in changes.items():
        if name not in SETTINGS:
            raise InvalidSyncSettings(name, f"unknown setting {name!r}")
        setattr(profile, name, value)
    validate(profile)
    profile.save()
    sync_schedule(profile=profile)
    return profile


def validate(profile: SyncProfile) -> None:
    if profile.conflict_rule not in ConflictRule.values:
        rules = ", ".join(ConflictRule.values)
        raise InvalidSyncSettings("conflict_rule", f"must be one of {rules}")
    if not 10 <= profile.poll_interval_seconds <= 86_400:
        raise InvalidSyncSettings("poll_interval_seconds", "must be 10 to 86400 seconds")
    if not 1 <= profile.page_size <= 2000:
        raise InvalidSyncSettings("page_size", "must be 1 to 2000")
    owners = profile.field_owners
    if not isinstance(owners, dict) or any(v not in ("local", "remote") for v in owners.values()):
        raise InvalidSyncSettings("field_owners", 'must map field names to "local" or "remote"')


def sync_schedule(*, profile: SyncProfile) -> None:
    """Make the connection's PeriodicTask match its settings and status."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    connection = profile.connection
    wanted = profile.polling_enabled and connection.status == ConnectionStatus.ACTIVE
    task = profile.periodic_task
    if not wanted:
        if task is not None:
            profile.periodic_task = None
            profile.save(update_fields=["periodic_task"])
            task.delete()
        return
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=profile.poll_interval_seconds, period=IntervalSchedule.SECONDS
    )
    task = task or PeriodicTask()
    task.name = f"CRM sync: poll {connection.connector} {connection.id}"
    task.task = POLL_TASK
    task.interval = interval
    task.args = json.dumps([str(connection.id)])
    task.enabled = True
    task.description = f"Poll {connection.name} ({connection.tenant.slug}) for changed contacts."
    task.save()
    if profile.periodic_task_id != task.id:
        profile.periodic_task = task
        profile.save(update_fields=["periodic_task"])


def remove_schedule(*, profile: SyncProfile) -> None:
    if profile.periodic_task_id:
        from django_celery_beat.models import PeriodicTask

        PeriodicTask.objects.filter(pk=profile.periodic_task_id).delete()
