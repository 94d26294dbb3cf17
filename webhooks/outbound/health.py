"""Subscription health: failure counters, a circuit that holds deliveries back while an
endpoint keeps failing, and automatic disabling after failing continuously for too long."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce

from webhooks.outbound import holding
from webhooks.outbound.models import Subscription

log = structlog.get_logger(__name__)


# A healthy subscription's last_success_at is refreshed at most this often, so a busy
# endpoint's deliveries don't all queue on one row lock just to move a timestamp.
SUCCESS_STAMP_RESOLUTION = timedelta(seconds=5)


def record_success(subscription: Subscription, *, now: datetime) -> None:
    already_healthy = (
        subscription.consecutive_failures == 0
        and subscription.failing_since is None
        and subscription.circuit_open_until is None
        and subscription.last_success_at is not None
        and now - subscription.last_success_at < SUCCESS_STAMP_RESOLUTION
    )
    if already_healthy:
        return
    Subscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=0,
        last_success_at=now,
        failing_since=None,
        circuit_open_until=None,
    )


def record_failure(subscription: Subscription, *, now: datetime) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1,
        last_failure_at=now,
        failing_since=Coalesce(F("failing_since"), now),
    )
    subscription.refresh_from_db(
        fields=["consecutive_failures", "failing_since", "circuit_open_until", "enabled"]
    )
    if subscription.consecutive_failures >= settings.OUTBOUND_CIRCUIT_FAILURE_THRESHOLD:
        _open_circuit(subscription, now=now)
    disable_after = timedelta(seconds=settings.OUTBOUND_DISABLE_AFTER_SECONDS)
    if subscription.enabled and subscription.failing_since <= now - disable_after:
        disable(
            subscription,
            reason=f"failing continuously since {subscription.failing_since.isoformat()}",
            now=now,
        )


def disable(subscription: Subscription, *, reason: str, now: datetime) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(
        enabled=False, disabled_reason=reason[:500], disabled_at=now
    )
    subscription.enabled, subscription.disabled_reason = False, reason[:500]
    holding.hold_waiting(subscription_id=subscription.pk)
    log.warning("subscription disabled", subscription_id=str(subscription.pk), reason=reason)


def _open_circuit(subscription: Subscription, *, now: datetime) -> None:
    until = subscription.circuit_open_until
    if until is None or until <= now:
        cooldown = timedelta(seconds=settings.OUTBOUND_CIRCUIT_COOLDOWN_SECONDS)
        Subscription.objects.filter(pk=subscription.pk).update(circuit_open_until=now + cooldown)


def circuit_hold(subscription: Subscription, *, now: datetime) -> datetime | None:
    """When a due delivery must wait for the circuit, the time to wait until; else None.

    After the cooldown the circuit is half-open: one delivery (whoever moves the timestamp
    first) goes out as a probe, the others wait another cooldown.
    """
    until = subscription.circuit_open_until
    if until is None:
        return None
    if until > now:
        return until
    next_window = now + timedelta(seconds=settings.OUTBOUND_CIRCUIT_COOLDOWN_SECONDS)
    won_probe = Subscription.objects.filter(pk=subscription.pk, circuit_open_until=until).update(
        circuit_open_until=next_window
    )
    return None if won_probe else next_window
