"""Reads for outbound webhooks, always scoped to one tenant."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from tenants.models import Tenant
from webhooks.outbound.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    Subscription,
)


def dead_letters(
    *,
    tenant: Tenant,
    subscription_id: str | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Delivery]:
    letters = Delivery.objects.filter(tenant=tenant, status=DeliveryStatus.DEAD).select_related(
        "event", "subscription"
    )
    if subscription_id:
        letters = letters.filter(subscription_id=subscription_id)
    if event_type:
        letters = letters.filter(event__event_type=event_type)
    if since:
        letters = letters.filter(dead_at__gte=since)
    if until:
        letters = letters.filter(dead_at__lt=until)
    return letters


def problem_deliveries(
    *,
    tenant: Tenant,
    statuses: list[str],
    subscription_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Delivery]:
    """Deliveries in ``statuses`` (failed, dead), ``since``/``until`` on their time of death."""
    rows = Delivery.objects.filter(tenant=tenant, status__in=statuses)
    if subscription_id:
        rows = rows.filter(subscription_id=subscription_id)
    if since:
        rows = rows.filter(dead_at__gte=since)
    if until:
        rows = rows.filter(dead_at__lt=until)
    return rows


def event_attempts(*, event: Event) -> QuerySet[DeliveryAttempt]:
    return (
        DeliveryAttempt.objects.filter(delivery__event=event)
        .select_related("delivery")
        .order_by("created_at", "number")
    )


def events_of(*, tenant: Tenant) -> QuerySet[Event]:
    return Event.objects.filter(tenant=tenant).prefetch_related("deliveries")


def held_deliveries(*, subscription: Subscription) -> int:
    """How many of its deliveries wait for the subscription to be enabled again."""
    if subscription.enabled:
        return 0  # enabling sent them on their way
    return Delivery.objects.filter(subscription=subscription, status=DeliveryStatus.HELD).count()
