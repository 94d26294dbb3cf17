"""Serializers of the CRM API: v1 (snake_case) and seed 004's (camelCase)."""

from __future__ import annotations

from rest_framework import serializers

from crm_sync.models import (
    Client,
    Conflict,
    ConflictRule,
    ExternalReference,
    RunStatus,
    SyncProfile,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from crm_sync.services.conflicts import KEEP_CHOICES


class ExternalReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExternalReference
        fields = [
            "connection",
            "provider",
            "object_type",
            "external_id",
            "remote_modified_at",
            "last_pulled_at",
            "last_pushed_at",
        ]


class ClientSerializer(serializers.ModelSerializer):
    references = ExternalReferenceSerializer(many=True, read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "company",
            "extra",
            "sync_status",
            "last_synced_at",
            "last_sync_error",
            "version",
            "references",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ClientWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    company = serializers.CharField(max_length=255, required=False, allow_blank=True)
    extra = serializers.DictField(required=False)

    def openapi_body_schema(self) -> dict:
        """Creating needs a name or an email; a change needs at least one field."""
        if self.partial:
            return {"anyOf": [{"required": [name]} for name in self.fields]}
        return {
            "anyOf": [
                {"required": ["name"], "properties": {"name": {"pattern": r"\S"}}},
                {"required": ["email"], "properties": {"email": {"minLength": 1}}},
            ]
        }

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and not (attrs.get("name") or attrs.get("email")):
            raise serializers.ValidationError({"name": "a client needs a name or an email"})
        if not attrs:
            raise serializers.ValidationError("no field to change")
        return attrs


class ClientFilterSerializer(serializers.Serializer):
    sync_status = serializers.ChoiceField(choices=SyncStatus.values, required=False)
    provider = serializers.CharField(max_length=40, required=False)
    search = serializers.CharField(max_length=200, required=False)


class RunFilterSerializer(serializers.Serializer):
    connection = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=RunStatus.values, required=False)
    trigger = serializers.ChoiceField(choices=SyncTrigger.values, required=False)


class SyncStatusSummarySerializer(serializers.Serializer):
    totalClients = serializers.IntegerField()
    syncedClients = serializers.IntegerField()
    pendingClients = serializers.IntegerField()
    failedClients = serializers.IntegerField()
    needsUpdateClients = serializers.IntegerField()
    lastSyncTime = serializers.DateTimeField(allow_null=True)


class UpdateSyncStatusSerializer(serializers.Serializer):
    clientId = serializers.UUIDField()
    status = serializers.ChoiceField(choices=SyncStatus.values)


class SyncRunSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="connection.connector", read_only=True)

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "connection",
            "provider",
            "trigger",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "pages",
            "created",
            "updated",
            "unchanged",
            "conflicts",
            "failed",
            "cursor_before",
            "cursor_after",
            "error",
            "client",
            "connector_call",
        ]
        read_only_fields = fields


class SyncSettingsSerializer(serializers.ModelSerializer):
    conflict_rule = serializers.ChoiceField(choices=ConflictRule.values, required=False)
    poll_interval_seconds = serializers.IntegerField(min_value=10, max_value=86_400, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=2000, required=False)
    field_owners = serializers.DictField(
        child=serializers.ChoiceField(choices=["local", "remote"]), required=False
    )
    schedule = serializers.SerializerMethodField()

    class Meta:
        model = SyncProfile
        fields = [
            "polling_enabled",
            "poll_interval_seconds",
            "page_size",
            "conflict_rule",
            "field_owners",
            "push_enabled",
            "cursor",
            "last_polled_at",
            "schedule",
        ]
        read_only_fields = ["cursor", "last_polled_at", "schedule"]

    def get_schedule(self, profile: SyncProfile) -> str | None:
        task = profile.periodic_task
        return task.name if task else None


class ConflictSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="reference.provider", read_only=True)
    external_id = serializers.CharField(source="reference.external_id", read_only=True)

    class Meta:
        model = Conflict
        fields = [
            "id",
            "client",
            "provider",
            "external_id",
            "fields",
            "local_values",
            "remote_values",
            "remote_modified_at",
            "status",
            "resolution",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields


class ResolveConflictSerializer(serializers.Serializer):
    keep = serializers.ChoiceField(choices=KEEP_CHOICES)
