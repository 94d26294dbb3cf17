"""One connection's breaker shared by two real worker processes (through Redis): it opens on a
failing provider, fails calls fast while open, half-opens after the cooldown and closes once a
probe succeeds, after which every call completes."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings as django_settings

from connectors import breaker
from connectors.breaker import State
from connectors.calls.execute import execute
from connectors.connections import create_connection
from connectors.models import CallStatus, ConnectorCall
from tests.waiting import wait_until
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)
CALLS = 8
BREAKER_ENV = {
    "CONNECTOR_BREAKER_MIN_CALLS": "4",
    "CONNECTOR_BREAKER_FAILURE_RATE": "0.5",
    "CONNECTOR_BREAKER_COOLDOWN_SECONDS": "3",
    "CONNECTOR_BREAKER_HALF_OPEN_PROBES": "1",
    "CONNECTOR_CALL_MAX_ATTEMPTS": "50",
    "CONNECTOR_CALL_BACKOFF_BASE_MS": "50",
}


def test_two_workers_share_one_breaker(tenant, sandbox, settings):
    for name, value in BREAKER_ENV.items():
        setattr(settings, name, float(value) if "." in value else int(value))
    redis.Redis.from_url(django_settings.REDIS_URL).flushdb()
    connection = create_connection(
        tenant=tenant, connector="slack", config={"default_channel": "#general"},
        credentials={"bot_token": "xoxb-sandbox"}, base_url=sandbox.base_url("slack"),
    )  # fmt: skip
    key = str(connection.id)
    sandbox.state.faults.set("slack", error_burst=10_000)  # Slack is down

    with celery_worker(env=BREAKER_ENV) as first, celery_worker(env=BREAKER_ENV) as second:
        for n in range(CALLS):
            execute(connection, "chat.postMessage", {"text": f"message {n}"}, f"key-{n}")

        def opened():
            """the breaker to open"""
            return breaker.snapshot(key).state is State.OPEN

        wait_until(opened)
        until = breaker.snapshot(key).open_until
        hits_when_opened = sandbox.state.request_count("slack")
        time.sleep(max(0.0, until - time.time() - 0.3))
        assert sandbox.state.request_count("slack") == hits_when_opened  # failed fast
        assert breaker.snapshot(key, now=until + 0.01).state is State.HALF_OPEN

        sandbox.state.faults.clear("slack")  # Slack recovers: the next probe succeeds

        def all_succeeded():
            """every call to succeed"""
            statuses = set(ConnectorCall.objects.values_list("status", flat=True))
            return statuses == {CallStatus.SUCCEEDED}

        wait_until(all_succeeded, timeout=60)
        assert breaker.snapshot(key).state is State.CLOSED
        worker_logs = [first.log(), second.log()]
    assert all("connectors.run_call" in log for log in worker_logs)  # both workers took calls
    assert len(sandbox.state.received("slack")) == CALLS
