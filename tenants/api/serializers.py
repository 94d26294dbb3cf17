from rest_framework import serializers

from tenants.models import ApiKey, Tenant


class TenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "slug", "name", "created_at"]


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class IssuedApiKeySerializer(ApiKeySerializer):
    """The one response that carries a raw key: the reply to its creation."""

    key = serializers.CharField(read_only=True, help_text="Shown only in this response.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class WhoAmISerializer(serializers.Serializer):
    tenant = TenantSerializer()
    api_key = ApiKeySerializer()
