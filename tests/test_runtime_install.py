"""The production install runs a worker: a Celery worker started from the runtime dependencies
alone (``.venv-runtime``, which ``make test`` builds from requirements/runtime.txt, no dev
extras) comes up against the test Redis and delivers a webhook. The dev extras pull in
packages the runtime never declared (kombu's Redis transport needs ``packaging``), so only a
worker from that install shows what production gets."""

from __future__ import annotations

import subprocess

import pytest
import redis
from django.conf import settings

from tests.factories import make_subscription
from tests.receiver import Receiver
from tests.subprocess_django import ROOT
from tests.waiting import wait_until
from tests.worker import celery_worker
from webhooks.outbound.models import DeliveryStatus
from webhooks.outbound.publishing import publish

RUNTIME_PYTHON = ROOT / ".venv-runtime" / "bin" / "python"

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_from_the_runtime_install_alone_delivers(tenant):
    assert RUNTIME_PYTHON.exists(), (
        f"{RUNTIME_PYTHON} is missing: `make test` builds it (make .venv-runtime/.installed)"
    )
    dev_only = subprocess.run([RUNTIME_PYTHON, "-c", "import pytest"], capture_output=True)
    assert dev_only.returncode != 0, "the runtime install must not hold the dev extras"
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    with Receiver() as receiver:
        make_subscription(tenant=tenant, url=receiver.url)
        with celery_worker(python=RUNTIME_PYTHON) as worker:
            assert "redis://" in worker.log()  # its broker is the test Redis
            delivery = publish(tenant, "client.created", {"n": 1}).deliveries[0]

            def delivered():
                """the runtime worker to deliver the event"""
                delivery.refresh_from_db()
                return delivery.status == DeliveryStatus.SUCCEEDED

            wait_until(delivered, timeout=60)
        (received,) = receiver.wait_for(1)
    assert received.header("webhook-id") == str(delivery.id)
    assert delivery.attempt_log.count() == 1
