"""The local CRM: clients, their links to provider records, sync settings per connection, sync
runs and the conflicts waiting for a person to decide."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from connectors.models import Connection
from tenants.models import Tenant

# The client fields that sync with providers; anything else lives in ``extra``.
SYNCED_FIELDS = ("name", "email", "phone", "company")


class SyncStatus(models.TextChoices):
    SYNCED = "SYNCED", "Synced"
    PENDING = "PENDING", "Pending"
    FAILED = "FAILED", "Failed"
    NEEDS_UPDATE = "NEEDS_UPDATE", "Needs update"


class Client(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    company = models.CharField(max_length=255, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    sync_status = models.CharField(
        max_length=16, choices=SyncStatus.choices, default=SyncStatus.SYNCED, db_index=True
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(blank=True)
    # Bumped by every change of the client's fields: pushes are keyed by it.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Deduplication by email: one client per address and tenant.
            models.UniqueConstraint(
                "tenant",
                Lower("email"),
                condition=~Q(email=""),
                name="client_email_per_tenant",
            )
        ]
        indexes = [models.Index(fields=["tenant", "sync_status"])]

    def __str__(self) -> str:
        return self.name or self.email or str(self.id)

    def synced_values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in SYNCED_FIELDS}


class ExternalReference(models.Model):
    """A client's record at one connection. ``synced_values`` is what both sides agreed on at
    the last sync: a side whose value differs from it changed since."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="references")
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="crm_references"
    )
    provider = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, default="contact")
    external_id = models.CharField(max_length=255)
    remote_modified_at = models.DateTimeField(null=True, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    synced_values = models.JSONField(default=dict)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "object_type", "external_id"],
                name="external_id_per_connection",
            )
        ]
        indexes = [models.Index(fields=["tenant", "provider"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.object_type} {self.external_id}"


class ConflictRule(models.TextChoices):
    REMOTE_WINS = "remote_wins", "Remote wins"
    LOCAL_WINS = "local_wins", "Local wins"
    LAST_WRITE_WINS = "last_write_wins", "Last write wins"
    FIELD_OWNER = "field_owner", "Field owner"
    NON_EMPTY_WINS = "non_empty_wins", "Non-empty wins"
    MANUAL_REVIEW = "manual_review", "Manual review"


class SyncProfile(models.Model):
    """How one CRM connection syncs: polling, its cursor, the conflict rule, pushing."""

    connection = models.OneToOneField(
        Connection, on_delete=models.CASCADE, primary_key=True, related_name="sync_profile"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    polling_enabled = models.BooleanField(default=False)
    poll_interval_seconds = models.PositiveIntegerField(default=300)
    page_size = models.PositiveIntegerField(default=100)
    conflict_rule = models.CharField(
        max_length=20, choices=ConflictRule.choices, default=ConflictRule.REMOTE_WINS
    )
    # field_owner: {"phone": "local", "email": "remote"}; unlisted fields belong to the remote.
    field_owners = models.JSONField(default=dict, blank=True)
    push_enabled = models.BooleanField(
        default=True, help_text="Push local changes (and new local clients) to this connection."
    )
    cursor = models.JSONField(default=dict, blank=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_polled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sync of {self.connection}"


class SyncTrigger(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    POLL = "poll", "Poll"
    MANUAL = "manual", "Manual"
    PUSH = "push", "Push"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class SyncRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="sync_runs")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=16, choices=SyncTrigger.choices)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cursor_before = models.JSONField(default=dict, blank=True)
    cursor_after = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # A push run is one client's change sent to this connection through this call.
    client = models.ForeignKey(
        Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    connector_call = models.ForeignKey(
        "connectors.ConnectorCall",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One poll at a time per connection: its cursor has one writer.
            models.UniqueConstraint(
                fields=["connection"],
                condition=Q(status="running", trigger__in=["poll", "manual"]),
                name="one_running_poll_per_connection",
            )
        ]
        indexes = [models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return f"{self.trigger} run of {self.connection_id} ({self.status})"


class ConflictStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Conflict(models.Model):
    """Both sides changed the same fields since the last sync, under ``manual_review``."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="conflicts")
    reference = models.ForeignKey(
        ExternalReference, on_delete=models.CASCADE, related_name="conflicts"
    )
    fields = models.JSONField(default=list)
    local_values = models.JSONField(default=dict)
    remote_values = models.JSONField(default=dict)
    remote_modified_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    resolution = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(status="open"),
                name="one_open_conflict_per_reference",
            )
        ]

    def __str__(self) -> str:
        return f"conflict on {self.client} ({', '.join(self.fields)})"
