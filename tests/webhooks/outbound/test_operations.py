"""Beat schedule and metrics of the outbound flow."""

from __future__ import annotations

import re

import pytest
from django_celery_beat.models import PeriodicTask

from tests.receiver import Reply
from webhooks.outbound.delivery import deliver
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_sweeper_beat_schedule(settings):
    task = PeriodicTask.objects.get(task="webhooks.sweep_deliveries")
    assert task.enabled
    assert task.interval.every == settings.OUTBOUND_SWEEP_INTERVAL_SECONDS


def _metric(client, name: str, labels: str = "") -> float:
    text = client.get("/metrics").content.decode()
    pattern = rf"^{re.escape(name)}{re.escape('{' + labels + '}') if labels else ''} (\S+)$"
    match = re.search(pattern, text, re.M)
    return float(match.group(1)) if match else 0.0


def test_outcomes_durations_retries_and_dead_letters_are_counted(
    client, tenant, receiver, subscribed
):
    names = {
        "ok": ("switchboard_outbound_deliveries_total", 'outcome="succeeded"'),
        "retry": ("switchboard_outbound_retries_total", ""),
        "dead": ("switchboard_outbound_dead_letters_total", 'reason="rejected"'),
        "timed": ("switchboard_outbound_attempt_duration_seconds_count", ""),
    }
    before = {key: _metric(client, *spec) for key, spec in names.items()}
    receiver.reply_with(Reply(status=200), Reply(status=503), Reply(status=400))
    for _ in range(3):
        (delivery,) = publish(tenant, "client.created", {}).deliveries
        deliver(delivery_id=delivery.pk)
    after = {key: _metric(client, *spec) for key, spec in names.items()}
    assert {key: after[key] - before[key] for key in names} == {
        "ok": 1, "retry": 1, "dead": 1, "timed": 3,
    }  # fmt: skip
