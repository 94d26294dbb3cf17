"""Writes for subscriptions: create, update, rotate the secret, enable/disable, send a test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tenants.models import Tenant
from webhooks.outbound import event_types, holding, signing
from webhooks.outbound.errors import SubscriptionDisabled
from webhooks.outbound.message import keep_redacted
from webhooks.outbound.models import Subscription
from webhooks.outbound.publishing import Published, publish

UPDATABLE = {
    "url",
    "description",
    "event_types",
    "headers",
    "enabled",
    "max_attempts",
    "timeout_seconds",
}


@dataclass(frozen=True)
class SubscriptionWithSecret:
    """A subscription and its raw secret: returned only at creation and rotation."""

    subscription: Subscription
    secret: str


def default_max_attempts() -> int:
    return len(settings.OUTBOUND_RETRY_SCHEDULE) + 1


def create_subscription(
    *,
    tenant: Tenant,
    url: str,
    event_types: list[str],
    secret: str | None = None,
    description: str = "",
    headers: dict[str, str] | None = None,
    enabled: bool = True,
    max_attempts: int | None = None,
    timeout_seconds: int | None = None,
) -> SubscriptionWithSecret:
    raw_secret = secret or signing.generate_secret()
    subscription = Subscription.objects.create(
        tenant=tenant,
        url=url,
        description=description,
        event_types=list(event_types),
        headers=keep_redacted(headers or {}, {}),
        enabled=enabled,
        secret=raw_secret,
        max_attempts=max_attempts or default_max_attempts(),
        timeout_seconds=timeout_seconds or round(settings.OUTBOUND_TIMEOUT_SECONDS),
    )
    return SubscriptionWithSecret(subscription=subscription, secret=raw_secret)


API_REASON = "disabled through the API"
OPERATOR_REASON = "disabled by an operator"


@transaction.atomic
def update_subscription(
    *, subscription: Subscription, changes: dict[str, Any], reason: str = ""
) -> Subscription:
    """Apply ``changes``; ``enabled`` goes through ``set_enabled`` (``reason`` says why a
    disable happened)."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"cannot update {', '.join(sorted(unknown))}")
    if "headers" in changes:
        changes = {
            **changes,
            "headers": keep_redacted(changes["headers"] or {}, subscription.headers or {}),
        }
    for name, value in changes.items():
        if name != "enabled":
            setattr(subscription, name, value)
    enabled = changes.get("enabled")
    if enabled is True or (enabled is False and subscription.enabled):
        return set_enabled(subscription=subscription, enabled=enabled, reason=reason)
    subscription.save()
    return subscription


@transaction.atomic
def set_enabled(*, subscription: Subscription, enabled: bool, reason: str = "") -> Subscription:
    """Enable (clearing the failure state, sending what was held) or disable (holding what
    waits to go; see ``holding``)."""
    subscription.enabled = enabled
    if enabled:
        _clear_failure_state(subscription)
    else:
        subscription.disabled_reason = reason or OPERATOR_REASON
        subscription.disabled_at = timezone.now()
    subscription.save()
    if enabled:
        holding.resume_held(subscription_id=subscription.pk)
    else:
        holding.hold_waiting(subscription_id=subscription.pk)
    return subscription


def _clear_failure_state(subscription: Subscription) -> None:
    subscription.disabled_reason = ""
    subscription.disabled_at = None
    subscription.consecutive_failures = 0
    subscription.failing_since = None
    subscription.circuit_open_until = None


@transaction.atomic
def rotate_secret(
    *, subscription: Subscription, new_secret: str | None = None, grace_seconds: int | None = None
) -> SubscriptionWithSecret:
    """A new secret signs from now on; the old one signs beside it for the grace period."""
    grace = settings.OUTBOUND_SECRET_GRACE_SECONDS if grace_seconds is None else grace_seconds
    raw_secret = new_secret or signing.generate_secret()
    subscription.previous_secret = subscription.secret if grace > 0 else None
    subscription.previous_secret_expires_at = (
        timezone.now() + timedelta(seconds=grace) if grace > 0 else None
    )
    subscription.secret = raw_secret
    subscription.save()
    return SubscriptionWithSecret(subscription=subscription, secret=raw_secret)


def send_test_event(*, subscription: Subscription) -> Published:
    if not subscription.enabled:
        raise SubscriptionDisabled()
    payload = {
        "message": "Test event from Switchboard",
        "subscription_id": str(subscription.id),
        "sent_at": timezone.now().isoformat(),
    }
    return publish(subscription.tenant, event_types.TEST, payload, only_subscription=subscription)
