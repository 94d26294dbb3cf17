"""Connections (a tenant's installed connectors), connector calls and integration events."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from core.fields import EncryptedJSONField
from core.models import ScheduledWork
from tenants.models import Tenant


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISABLED = "disabled", "Disabled"


class Connection(models.Model):
    """A connector installed for a tenant. Config and credentials are encrypted at rest."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="connections")
    connector = models.CharField(max_length=40, db_index=True)
    name = models.CharField(max_length=200)
    config = EncryptedJSONField(default=dict)
    credentials = EncryptedJSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE
    )
    base_url = models.URLField(max_length=500, blank=True, help_text="Overrides the API host.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="connection_name_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.connector})"


class CallStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ConnectorCall(ScheduledWork):
    """One idempotent call of a capability (seed 000's ``connector_calls`` row)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="connector_calls")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="calls")
    key = models.CharField(max_length=255)
    connector = models.CharField(max_length=40)
    capability_id = models.CharField(max_length=80)
    request_hash = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=CallStatus.choices, default=CallStatus.PENDING)
    response = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="connector_call_key_per_tenant")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["tenant", "connector", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.connector}.{self.capability_id} {self.key}"


class IntegrationEvent(models.Model):
    """An event a tenant reported through seed 002's ``/api/v2/integrations/events``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="integration_events")
    connector = models.CharField(max_length=40)
    event_source = models.CharField(max_length=120, blank=True)
    event_type = models.CharField(max_length=120)
    event_data = models.JSONField(default=dict)
    smart_code = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - NULLs stay out of the unique constraint
    hub_event = models.ForeignKey(
        "webhooks.Event", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="integration_event_key_per_tenant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.connector}.{self.event_type}"
