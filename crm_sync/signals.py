"""Keeping sync settings and poll schedules in step with connections: a CRM connection gets
its settings when created, its PeriodicTask follows its status, and both go with it."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from connectors.models import Connection
from crm_sync.models import SyncProfile
from crm_sync.services import profiles


def connection_saved(sender, instance: Connection, **kwargs) -> None:
    if profiles.syncs(instance):
        profiles.sync_schedule(profile=profiles.profile_for(instance))


def profile_deleted(sender, instance: SyncProfile, **kwargs) -> None:
    profiles.remove_schedule(profile=instance)


def connect() -> None:
    post_save.connect(connection_saved, sender=Connection, dispatch_uid="crm_sync.connection")
    post_delete.connect(profile_deleted, sender=SyncProfile, dispatch_uid="crm_sync.profile")
