"""Reads for tenants and API keys."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants import keys
from tenants.models import ApiKey, Tenant


def active_api_key(*, raw_key: str) -> ApiKey | None:
    """The unrevoked key of an active tenant matching ``raw_key``, or None."""
    return (
        ApiKey.objects.select_related("tenant")
        .filter(key_digest=keys.digest(raw_key), revoked_at__isnull=True, tenant__is_active=True)
        .first()
    )


def api_keys_of(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant)
