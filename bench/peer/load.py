"""django-webhook's side of the outbound benchmark (bench/.venv-peer; see bench/loadgen.py).

Publishing is what django-webhook's README describes: saving a model listed in
``DJANGO_WEBHOOK["MODELS"]`` fires its post_save signal, which queues one ``fire_webhook``
Celery task per active webhook subscribed to the topic ``benchapp.Client/create``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PEER = Path(__file__).resolve().parent
sys.path[:0] = [str(PEER), str(PEER.parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_project.settings")

import django  # noqa: E402

django.setup()

import loadgen  # noqa: E402
from benchapp.models import Client  # noqa: E402
from celery import states  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django_webhook.models import Webhook, WebhookEvent, WebhookSecret, WebhookTopic  # noqa: E402

TOPIC = "benchapp.Client/create"


def setup(url: str, subscriptions: int) -> dict:
    tables = ", ".join(
        m._meta.db_table
        for m in (WebhookEvent, WebhookSecret, Webhook.topics.through, Webhook, Client)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    topic = WebhookTopic.objects.get(name=TOPIC)
    for number in range(subscriptions):
        webhook = Webhook.objects.create(url=url, active=True)
        webhook.topics.add(topic)
        WebhookSecret.objects.create(webhook=webhook, token=f"bench-peer-secret-{number:04d}")
    return {"webhooks": subscriptions}


def make_publisher() -> loadgen.PublishOne:
    def publish_one(number: int, payload: dict) -> str:
        return str(Client.objects.create(**payload).pk)  # autocommit: the save is the publish

    return publish_one


def verify() -> dict:
    by_status = dict(
        WebhookEvent.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "deliveries": sum(by_status.values()),
        "ok": by_status.get(states.SUCCESS, 0),
        "by_status": by_status,
    }


if __name__ == "__main__":
    loadgen.main(setup=setup, make_publisher=make_publisher, verify=verify)
