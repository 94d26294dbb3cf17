"""Registrations as the receiving path needs them: looked up by id, cached in the process.

The cache is per process and short-lived (``INBOUND_REGISTRATION_CACHE_SECONDS``): secrets
never leave the process decrypted, and a change reaches every process within that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.conf import settings

from connectors.providers import MODULES
from webhooks.inbound.models import REFUSED_CONFIG_KEYS, RegistrationStatus, WebhookRegistration

INBOUND_PROVIDERS: dict[str, ModuleType] = {
    m.DEFINITION.code: m for m in MODULES if hasattr(m, "verify") and hasattr(m, "parse")
}


@dataclass(frozen=True)
class ActiveRegistration:
    id: Any
    tenant_id: Any
    provider: str
    event_types: list[str]
    secret: str
    config: dict[str, Any] = field(default_factory=dict)
    # Rotated-out secrets still in their grace period: (secret, expires at, epoch seconds).
    previous_secrets: tuple[tuple[str, float], ...] = ()
    # Seed 000's development bypass (provider_endpoint.bypass_enabled), never a config key.
    skip_verification: bool = False

    @property
    def module(self) -> ModuleType:
        return INBOUND_PROVIDERS[self.provider]


class ProcessCache:
    """Lookups remembered by this process for ``INBOUND_REGISTRATION_CACHE_SECONDS``."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, ActiveRegistration | None]] = {}

    def get(
        self, key: str, load: Callable[[], ActiveRegistration | None]
    ) -> ActiveRegistration | None:
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit and hit[0] > now:
            return hit[1]
        found = load()
        self._entries[key] = (now + settings.INBOUND_REGISTRATION_CACHE_SECONDS, found)
        return found

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


_cache = ProcessCache()


def active_registration(registration_id) -> ActiveRegistration | None:
    """The active registration with this id whose provider can receive, or None."""
    return _cache.get(str(registration_id), lambda: _load(registration_id))


def _load(registration_id) -> ActiveRegistration | None:
    row = (
        WebhookRegistration.objects.filter(pk=registration_id, status=RegistrationStatus.ACTIVE)
        .only("id", "tenant_id", "provider", "event_types", "secret", "previous_secrets", "config")
        .first()
    )
    return snapshot(row) if row and row.provider in INBOUND_PROVIDERS else None


def snapshot(row: WebhookRegistration) -> ActiveRegistration:
    return ActiveRegistration(
        id=row.id,
        tenant_id=row.tenant_id,
        provider=row.provider,
        event_types=list(row.event_types),
        secret=row.secret,
        # A key that would turn verification off does nothing, should a row still carry one.
        config={k: v for k, v in row.config.items() if k not in REFUSED_CONFIG_KEYS},
        previous_secrets=tuple(
            (old["secret"], old["expires_at"]) for old in unexpired(row.previous_secrets)
        ),
    )


def unexpired(previous_secrets: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    now = time.time()
    return [old for old in previous_secrets or () if old["expires_at"] > now]


def forget(registration_id) -> None:
    """Drop a changed registration from this process's cache (others expire it shortly)."""
    _cache.forget(str(registration_id))
