"""Writes for tenants and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tenants import keys
from tenants.models import ApiKey, Tenant

LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    """A new key and its raw value, which exists only here and is never stored."""

    api_key: ApiKey
    raw_key: str


def get_or_create_tenant(*, slug: str, name: str = "") -> tuple[Tenant, bool]:
    clean_slug = slugify(slug)
    if not clean_slug:
        raise ValueError(f"{slug!r} is not a usable tenant slug")
    return Tenant.objects.get_or_create(slug=clean_slug, defaults={"name": name or clean_slug})


@transaction.atomic
def issue_api_key(*, tenant: Tenant, name: str = "") -> IssuedKey:
    raw_key = keys.generate_raw_key()
    api_key = ApiKey.objects.create(
        tenant=tenant,
        name=name,
        prefix=keys.display_prefix(raw_key),
        key_digest=keys.digest(raw_key),
    )
    return IssuedKey(api_key=api_key, raw_key=raw_key)


def revoke_api_key(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def touch_api_key(*, api_key: ApiKey) -> None:
    """Record use at most once a minute per key, so authentication rarely writes."""
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
