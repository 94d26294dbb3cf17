"""Inbound webhooks: where providers send (registrations) and what they sent (events).

Receiving is one insert per request: counts of received events and their times are read
from the events table, not kept as counters a hot row would serialise on.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from connectors.providers.inbound import read_json
from core.fields import EncryptedJSONField, EncryptedTextField
from tenants.models import Tenant

# Config keys that would turn signature verification off. No registration may carry one: only
# seed 000's CONNECTOR_SIGNATURE_BYPASS skips verification, and only with DEBUG on.
REFUSED_CONFIG_KEYS = frozenset({"signature_bypass"})


def config_problem(config: Any) -> str | None:
    """Why a registration can't have this config, or None."""
    if not isinstance(config, dict):
        return "config must be a JSON object"
    refused = sorted(REFUSED_CONFIG_KEYS & set(config))
    if refused:
        return f"config key {refused[0]!r} is not accepted: verification can't be turned off"
    return None


def validate_config(config: Any) -> None:
    problem = config_problem(config)
    if problem:
        raise ValidationError(problem)


class RegistrationKind(models.TextChoices):
    REGISTRATION = "registration", "Registration (POST /webhooks/<id>)"
    PROVIDER_ENDPOINT = "provider_endpoint", "Provider endpoint (seed 000)"


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISABLED = "disabled", "Disabled"


class WebhookRegistration(models.Model):
    """A URL a provider sends webhooks to, with the secret and settings to verify them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="webhook_registrations"
    )
    provider = models.CharField(max_length=40, db_index=True)
    connection = models.ForeignKey(
        "connectors.Connection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_registrations",
    )
    kind = models.CharField(
        max_length=20, choices=RegistrationKind.choices, default=RegistrationKind.REGISTRATION
    )
    event_types = models.JSONField(default=list, help_text='Event types to process; "*" for all.')
    secret = EncryptedTextField(blank=True)
    # Secrets rotated out that still verify, newest first: [{"secret", "expires_at" (epoch)}].
    previous_secrets = EncryptedJSONField(null=True, blank=True)
    config = EncryptedJSONField(default=dict, blank=True, validators=[validate_config])
    status = models.CharField(
        max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE
    )
    signature_failures = models.PositiveIntegerField(default=0)
    last_signature_failure_at = models.DateTimeField(null=True, blank=True)
    last_signature_failure = models.CharField(max_length=300, blank=True)
    processing_failures = models.PositiveIntegerField(default=0)
    last_processing_failure_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "provider"],
                condition=models.Q(kind="provider_endpoint"),
                name="one_provider_endpoint_per_tenant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} webhook {self.id}"


class InboundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored (outside the registration's events)"
    FAILED = "failed", "Failed"


class InboundEvent(models.Model):
    """One event a provider sent, stored before the hub answered.

    Every receive inserts a row, so the table carries no index it doesn't need: the foreign
    keys have none of their own (the composite indexes below lead with them), and on PostgreSQL
    the body and payload are compressed with lz4 rather than pglz (migration 0003).

    The body is stored once: an event whose payload is the body's whole JSON (the common case,
    one event a request) keeps only the raw body, and ``payload`` reads it from there;
    ``stored_payload`` holds the others (one of a list, a form field's JSON, a payload with a
    character ``jsonb`` can't store).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="inbound_events", db_index=False
    )
    registration = models.ForeignKey(
        WebhookRegistration, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    provider = models.CharField(max_length=40)
    event_type = models.CharField(max_length=120)
    dedupe_key = models.CharField(max_length=255)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=255, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    stored_payload = models.JSONField(null=True, db_column="payload")
    payload_in_body = models.BooleanField(default=False)
    raw_body = models.BinaryField()
    headers = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=InboundStatus.choices, default=InboundStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "dedupe_key"], name="inbound_event_once_per_registration"
            )
        ]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["registration", "received_at"]),
            models.Index(fields=["tenant", "provider", "event_type"]),
        ]

    def __str__(self) -> str:
        return f"{self.provider}.{self.event_type} {self.dedupe_key}"

    @property
    def payload(self) -> Any:
        if not self.payload_in_body:
            return self.stored_payload
        if "_body_payload" not in self.__dict__:
            # The claim query selects the body only for such events (processing.py).
            body = self.__dict__.get("body_of_payload")
            raw = bytes(self.raw_body if body is None else body)
            self.__dict__["_body_payload"] = read_json(raw)
        return self.__dict__["_body_payload"]

    @payload.setter
    def payload(self, value: Any) -> None:
        self.stored_payload, self.payload_in_body = value, False
        self.__dict__.pop("_body_payload", None)

    @property
    def body_text(self) -> str:
        return bytes(self.raw_body).decode("utf-8", "replace")
