"""Sending dead letters and failed deliveries again: one, a time range, or all failed."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tenants.models import Tenant
from webhooks.outbound import dispatch
from webhooks.outbound.models import Delivery, DeliveryStatus, Subscription


def replay_delivery(*, delivery: Delivery) -> Delivery:
    """Give one delivery a fresh round of attempts, now."""
    replay_deliveries(Delivery.objects.filter(pk=delivery.pk))
    delivery.refresh_from_db()
    return delivery


def replay_dead_letters(
    *,
    tenant: Tenant,
    subscription: Subscription | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Recover the dead letters that died in a time range, optionally of one subscription."""
    dead = Delivery.objects.filter(tenant=tenant, status=DeliveryStatus.DEAD)
    if subscription is not None:
        dead = dead.filter(subscription=subscription)
    if since is not None:
        dead = dead.filter(dead_at__gte=since)
    if until is not None:
        dead = dead.filter(dead_at__lt=until)
    return replay_deliveries(dead)


def retry_failed(*, tenant: Tenant) -> int:
    """Seed 004's retry: re-drive failed (retry pending) and dead deliveries now."""
    return replay_deliveries(
        Delivery.objects.filter(
            tenant=tenant, status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD]
        )
    )


@transaction.atomic
def replay_deliveries(deliveries: QuerySet[Delivery]) -> int:
    now = timezone.now()
    ids = list(
        deliveries.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD])
        .values_list("id", flat=True)
    )
    Delivery.objects.filter(id__in=ids).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        enqueued_at=now,
        dead_at=None,
        updated_at=now,
    )
    if ids:
        transaction.on_commit(dispatch.wake)  # they are due now: a drainer claims them
    return len(ids)
