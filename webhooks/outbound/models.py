"""Outbound webhooks: subscriptions, outbox events, deliveries and their attempts.

Payload, delivery and attempt are separate tables (as in Saleor): an event is written once,
fans out to one delivery per matching subscription, and each delivery keeps every attempt.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from core.fields import EncryptedJSONField, EncryptedTextField
from core.models import ScheduledWork
from tenants.models import Tenant


class Subscription(models.Model):
    """A subscriber's endpoint: where, which event types, and how to sign and retry."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="subscriptions")
    url = models.URLField(max_length=2048)
    description = models.CharField(max_length=500, blank=True)
    event_types = models.JSONField(default=list, help_text='Event types; "*" for all.')
    # Custom request headers, often credentials (Authorization): encrypted like the secret.
    headers = EncryptedJSONField(default=dict, blank=True, help_text="Custom request headers.")
    enabled = models.BooleanField(default=True)
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(null=True, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField()
    timeout_seconds = models.PositiveSmallIntegerField(default=10)
    disabled_reason = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    circuit_open_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "enabled"])]

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    """One thing that happened, written in the same transaction as the change (the outbox)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(max_length=120)
    payload = models.JSONField()
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - NULLs stay out of the unique constraint
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="event_idempotency_key_unique_per_tenant",
            )
        ]
        indexes = [models.Index(fields=["tenant", "event_type", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "In flight"
    FAILED = "failed", "Failed, retry scheduled"
    SUCCEEDED = "succeeded", "Succeeded"
    DEAD = "dead", "Dead letter"
    HELD = "held", "Held: subscription disabled"


class Delivery(ScheduledWork):
    """An event on its way to one subscription. Its id is the ``webhook-id`` on every try,
    so receivers can drop duplicates."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts since the last replay.")
    total_attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="one_delivery_per_pair")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
            models.Index(fields=["tenant", "status", "dead_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


class DeadLetter(Delivery):
    """Dead deliveries, for the admin's dead-letter view."""

    class Meta:
        proxy = True
        verbose_name = "dead letter"


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery and what came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    request_headers = models.JSONField(default=dict)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivery", "number"]
        indexes = [models.Index(fields=["delivery", "number"])]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
