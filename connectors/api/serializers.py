from __future__ import annotations

from rest_framework import serializers

from connectors.models import Connection, ConnectionStatus, ConnectorCall, IntegrationEvent
from connectors.providers.base import ConnectorDefinition
from core.api.fields import HttpUrlField


class FieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    required = serializers.BooleanField()


class ConnectorDefinitionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    auth_type = serializers.CharField()
    config_fields = FieldSerializer(many=True)
    credential_fields = FieldSerializer(many=True)
    events = serializers.ListField(child=serializers.CharField())
    capabilities = serializers.SerializerMethodField()
    polls = serializers.BooleanField()
    aliases = serializers.ListField(child=serializers.CharField())

    def get_capabilities(self, definition: ConnectorDefinition) -> list[dict[str, str]]:
        return [{"id": c.id, "description": c.description} for c in definition.capabilities]


class ConnectionWriteSerializer(serializers.Serializer):
    connector = serializers.CharField(max_length=60)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    config = serializers.DictField(required=False, default=dict)
    credentials = serializers.DictField(required=False, default=dict, write_only=True)
    base_url = HttpUrlField(max_length=500, required=False, allow_blank=True)


class ConnectionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    config = serializers.DictField(required=False)
    credentials = serializers.DictField(required=False, write_only=True)
    base_url = HttpUrlField(max_length=500, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ConnectionStatus.choices, required=False)


class ConnectionSerializer(serializers.ModelSerializer):
    """No credentials, ever: only which credential fields are set."""

    credentials_set = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = [
            "id", "connector", "name", "config", "credentials_set", "status", "base_url",
            "created_at", "updated_at",
        ]  # fmt: skip

    def get_credentials_set(self, connection: Connection) -> list[str]:
        return sorted(name for name, value in connection.credentials.items() if value)


class ConnectorCallSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConnectorCall
        fields = [
            "id", "status", "attempts", "retries", "response", "error", "key", "connector",
            "capability_id", "request_hash", "connection", "next_attempt_at", "created_at",
            "finished_at",
        ]  # fmt: skip


class ExecutePayloadSerializer(serializers.Serializer):
    payload = serializers.DictField(required=False)


class InstallSerializer(serializers.Serializer):
    """Seed 002: ``POST /api/v2/integrations/connectors``."""

    operation = serializers.ChoiceField(choices=["INSTALL", "UPDATE", "UNINSTALL"])
    connector_code = serializers.CharField(max_length=60)
    installation_config = serializers.DictField(required=False, default=dict)
    connection_id = serializers.UUIDField(required=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    base_url = HttpUrlField(max_length=500, required=False, allow_blank=True)


class IntegrationEventWriteSerializer(serializers.Serializer):
    """Seed 002: ``POST /api/v2/integrations/events``."""

    event_source = serializers.CharField(max_length=120, required=False, allow_blank=True)
    event_type = serializers.CharField(max_length=120)
    connector_code = serializers.CharField(max_length=60)
    event_data = serializers.JSONField(required=False, default=dict)
    smart_code = serializers.CharField(max_length=200, required=False, allow_blank=True)
    idempotency_key = serializers.CharField(max_length=255, required=False, allow_blank=True)


class IntegrationEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = IntegrationEvent
        fields = [
            "id", "connector", "event_source", "event_type", "event_data", "smart_code",
            "idempotency_key", "hub_event", "created_at",
        ]  # fmt: skip


class LogsQuerySerializer(serializers.Serializer):
    """Seed 002: ``POST /api/v2/integrations/logs``."""

    limit = serializers.IntegerField(min_value=1, max_value=500, required=False, default=50)
    connector_code = serializers.CharField(max_length=60, required=False)
    status = serializers.ChoiceField(choices=["success", "error", "pending"], required=False)


class ConnectionBreakerSerializer(serializers.Serializer):
    """One connection's circuit breaker (for the schema: the view answers a selector's dict)."""

    name = serializers.CharField(help_text="The connection's connector.")
    connection = serializers.UUIDField()
    state = serializers.ChoiceField(choices=["closed", "half-open", "open"])
    window_seconds = serializers.IntegerField()
    calls = serializers.IntegerField(help_text="Calls counted in the window.")
    failures = serializers.IntegerField(help_text="Provider or network failures among them.")
    failure_rate = serializers.FloatField()
    open_until = serializers.FloatField(allow_null=True, help_text="Epoch seconds.")
