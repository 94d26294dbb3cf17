"""Seed 000's provider-level endpoint, ``POST /api/v1/connectors/<provider>/webhook``.

Its secret comes from ``CONNECTOR_HMAC_SECRET_<PROVIDER>`` and its events land in the tenant
named by ``CONNECTOR_WEBHOOK_TENANT``, through one registration of kind "provider_endpoint"
per provider, created on first use (so dedupe, processing and health work as for any other).
``CONNECTOR_SIGNATURE_BYPASS`` skips verification, and only while ``DEBUG`` is on.
"""

from __future__ import annotations

import os
from dataclasses import replace

from django.conf import settings
from django.db import IntegrityError

from connectors.providers import canonical_code
from tenants.models import Tenant
from webhooks.inbound.models import RegistrationKind, RegistrationStatus, WebhookRegistration
from webhooks.inbound.registry import (
    INBOUND_PROVIDERS,
    ActiveRegistration,
    ProcessCache,
    snapshot,
)

_cache = ProcessCache()


def secret_for(code: str) -> str:
    return os.environ.get(f"CONNECTOR_HMAC_SECRET_{code.upper()}", "")


def bypass_enabled() -> bool:
    return settings.DEBUG and settings.CONNECTOR_SIGNATURE_BYPASS


def registration_for(provider: str) -> ActiveRegistration | None:
    code = canonical_code(provider)
    if code not in INBOUND_PROVIDERS or not settings.CONNECTOR_WEBHOOK_TENANT:
        return None
    return _cache.get(code, lambda: _load(code))


def _load(code: str) -> ActiveRegistration | None:
    secret = secret_for(code)
    if not secret and not bypass_enabled():
        return None  # nothing to verify with: refuse everything (404)
    tenant = Tenant.objects.filter(slug=settings.CONNECTOR_WEBHOOK_TENANT, is_active=True).first()
    if tenant is None:
        return None
    row = _endpoint_row(tenant, code, secret)
    if row.status != RegistrationStatus.ACTIVE:
        return None
    active = snapshot(row)
    if bypass_enabled():
        active = replace(active, skip_verification=True)
    return active


def _endpoint_row(tenant: Tenant, code: str, secret: str) -> WebhookRegistration:
    lookup = {"tenant": tenant, "provider": code, "kind": RegistrationKind.PROVIDER_ENDPOINT}
    # The seed's scheme, where it isn't the provider's default (Dynamics' X-Dynamics-Signature).
    config = dict(getattr(INBOUND_PROVIDERS[code], "SEED_000_CONFIG", {}))
    row = WebhookRegistration.objects.filter(**lookup).first()
    if row is None:
        try:
            row = WebhookRegistration.objects.create(
                **lookup, event_types=["*"], secret=secret, config=config
            )
        except IntegrityError:  # another process created it first
            row = WebhookRegistration.objects.get(**lookup)
    if row.secret != secret or row.config != config:
        # The environment and the seed are the source of truth for this endpoint.
        row.secret, row.config = secret, config
        row.save(update_fields=["secret", "config", "updated_at"])
    return row
