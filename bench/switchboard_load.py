"""Switchboard's side of the outbound benchmark (project venv; see bench/loadgen.py).

Publishes through the real outbox: ``webhooks.outbound.publishing.publish`` in its own
transaction, so the delivery tasks are enqueued on commit exactly as in production.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("SWITCHBOARD_ROOT", BENCH.parent))  # the checkout being measured
sys.path[:0] = [str(ROOT), str(BENCH)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import loadgen  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from tenants.services import get_or_create_tenant  # noqa: E402
from webhooks.outbound.models import Delivery, DeliveryAttempt, Event, Subscription  # noqa: E402
from webhooks.outbound.publishing import publish  # noqa: E402
from webhooks.outbound.subscriptions import create_subscription  # noqa: E402

TENANT_SLUG = "bench-outbound"
EVENT_TYPE = "client.created"


def setup(url: str, subscriptions: int) -> dict:
    tables = ", ".join(m._meta.db_table for m in (DeliveryAttempt, Delivery, Event, Subscription))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")
    tenant, _ = get_or_create_tenant(slug=TENANT_SLUG, name="Outbound benchmark")
    for number in range(subscriptions):
        create_subscription(
            tenant=tenant, url=url, event_types=["*"], description=f"bench receiver {number}"
        )
    return {"tenant": str(tenant.id), "subscriptions": subscriptions}


def make_publisher() -> loadgen.PublishOne:
    tenant, _ = get_or_create_tenant(slug=TENANT_SLUG)

    def publish_one(number: int, payload: dict) -> str:
        # publish() runs in its own transaction (autocommit outside it): the delivery tasks are
        # enqueued on its commit, as in production.
        return str(publish(tenant, EVENT_TYPE, payload).event.id)

    return publish_one


def verify() -> dict:
    by_status = dict(
        Delivery.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {
        "deliveries": sum(by_status.values()),
        "ok": by_status.get("succeeded", 0),
        "by_status": by_status,
        "attempts": DeliveryAttempt.objects.count(),
    }


if __name__ == "__main__":
    loadgen.main(setup=setup, make_publisher=make_publisher, verify=verify)
