"""Self-healing: with real hub processes under load, a Redis or PostgreSQL restart is ridden
out by the processes themselves (none exits, no person acts) and every accepted event is
delivered afterwards; /health tells a dead worker from a live one.

Delivery is at-least-once by design, exactly-once in effect by the ``webhook-id`` (a delivery's
stable id): the receiver must see every accepted delivery id. A Redis restart gives no cause
for a repeat (the database keeps who was sent), so none is allowed; a PostgreSQL restart can
lose the write that marks a sent delivery succeeded, so a repeat is allowed there, and only
with the same ``webhook-id``."""

from __future__ import annotations

import json
import os
import time
from collections import Counter

import pytest

from core.schedules import ensure_interval_task
from tests.factories import WebhookRegistrationFactory, make_subscription
from tests.hub import Load, running_hub
from tests.receiver import Receiver, Reply
from tests.servers import postgres_server, redis_server
from tests.subprocess_django import run_django
from tests.waiting import wait_until
from webhooks.inbound.models import InboundEvent, InboundStatus
from webhooks.outbound.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db(transaction=True)
GITHUB_SECRET = "It's a Secret to Everybody"
OUTAGE_SECONDS = int(os.environ.get("SELF_HEALING_OUTAGE_SECONDS", "12"))
FLAPS = 4
RECOVERY_SECONDS = 90


def _fast_schedules() -> None:
    """The beat schedules migrate creates, at 1 s (a test's database is emptied per test)."""
    ensure_interval_task(name="sweep", task="webhooks.sweep_deliveries", every_seconds=1)
    ensure_interval_task(
        name="process inbound", task="webhooks.process_inbound_events", every_seconds=1
    )


def _database_url() -> str:
    from tests.worker import _database_url

    return _database_url()


def test_a_redis_restart_under_load_is_ridden_out_and_loses_nothing(issued_key):
    tenant = issued_key.api_key.tenant
    _fast_schedules()
    registration = WebhookRegistrationFactory(tenant=tenant, secret=GITHUB_SECRET)
    with Receiver() as receiver, redis_server() as redis:
        receiver.default = Reply(delay=0.05)  # deliveries in flight when Redis goes
        make_subscription(tenant=tenant, url=receiver.url, events=("client.created",))
        with running_hub(database_url=_database_url(), redis_url=redis.url) as hub:
            load = Load(hub.base_url, issued_key.raw_key, str(registration.id), GITHUB_SECRET)
            with load.running():
                wait_until(lambda: len(receiver.requests) >= 20, timeout=60)
                redis.stop()
                time.sleep(OUTAGE_SECONDS)
                # Then a flapping server: each comeback lets the worker reconnect and take
                # messages, each loss catches it with messages unacknowledged and a BRPOP
                # pending (what made Celery's cleanup raise AttributeError and exit).
                for _flap in range(FLAPS):
                    redis.start()
                    time.sleep(2.5)
                    redis.stop()
                    time.sleep(1)
                redis.start()
                restarted = time.monotonic()
                time.sleep(3)
            assert hub.processes() == {"web": True, "beat": True, "worker": True}, hub.logs()
            _assert_all_delivered_once(load, receiver, hub, restarted, repeats_allowed=False)
            _assert_inbound_processed(load, hub)


def _assert_all_delivered_once(load, receiver, hub, since, *, repeats_allowed) -> None:
    """Every delivery the database holds reached the receiver: those the load was told were
    accepted, and any whose 202 it did not see (a request cut short while stopping)."""

    def all_received():
        """every stored delivery id at the receiver"""
        return _stored_ids() <= {r.header("webhook-id") for r in receiver.requests}

    try:
        wait_until(all_received, timeout=RECOVERY_SECONDS, step=0.2)
    except AssertionError:
        missing = _stored_ids() - {r.header("webhook-id") for r in receiver.requests}
        raise AssertionError(f"{len(missing)} deliveries never arrived\n{hub.logs()}") from None
    print(
        f"all {len(load.accepted_deliveries)} deliveries and {len(load.accepted_inbound)} inbound"
        f" events accepted ({load.refused} refused, retried), all delivered"
        f" {time.monotonic() - since:.1f} s after the restart"
    )
    ids = Counter(r.header("webhook-id") for r in receiver.requests)
    assert load.accepted_deliveries <= set(ids) == _stored_ids()
    if not repeats_allowed:
        assert [i for i, n in ids.items() if n > 1] == []


def _stored_ids() -> set[str]:
    return {str(i) for i in Delivery.objects.values_list("id", flat=True)}


def _assert_inbound_processed(load, hub) -> None:
    def processed():
        """every accepted inbound event processed"""
        keys = set(
            InboundEvent.objects.filter(status=InboundStatus.PROCESSED).values_list(
                "dedupe_key", flat=True
            )
        )
        return load.accepted_inbound <= keys

    wait_until(processed, timeout=RECOVERY_SECONDS, step=0.2)
    wait_until(lambda: not Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists())


SETUP_SNIPPET = """
import json
from tests.factories import IssuedKeyFactory, WebhookRegistrationFactory, make_subscription
issued = IssuedKeyFactory()
tenant = issued.api_key.tenant
make_subscription(tenant=tenant, url=%r, events=("client.created",))
registration = WebhookRegistrationFactory(tenant=tenant, secret=%r)
print(json.dumps({"key": issued.raw_key, "registration": str(registration.id)}))
"""
STATE_SNIPPET = """
import json
from webhooks.inbound.models import InboundEvent
from webhooks.outbound.models import Delivery
print(json.dumps({
    "deliveries": {str(i): s for i, s in Delivery.objects.values_list("id", "status")},
    "inbound": dict(InboundEvent.objects.values_list("dedupe_key", "status")),
}))
"""


def _in_private_hub(snippet: str, env: dict[str, str]) -> dict:
    result = run_django(snippet, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_postgresql_restart_under_load_is_ridden_out_and_loses_nothing():
    """The hub on a PostgreSQL of its own, stopped as in a crash (every backend killed) for
    a while under load, then started again."""
    with Receiver() as receiver, redis_server() as redis, postgres_server() as postgres:
        receiver.default = Reply(delay=0.05)
        postgres.create_database("switchboard")
        env = {"DATABASE_URL": postgres.url(), "REDIS_URL": redis.url,
               "OUTBOUND_SWEEP_INTERVAL_SECONDS": "1"}  # fmt: skip
        migrated = run_django("from django.core.management import call_command\n"
                              "call_command('migrate', verbosity=0)", env=env)  # fmt: skip
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        made = _in_private_hub(SETUP_SNIPPET % (receiver.url, GITHUB_SECRET), env)
        # A batch cut off by the crash holds its deliveries until its lease ends (90 s by
        # default): shorter here, so the test waits seconds, not minutes.
        lease = {"OUTBOUND_LEASE_SECONDS": "10"}
        with running_hub(database_url=postgres.url(), redis_url=redis.url, **lease) as hub:
            load = Load(hub.base_url, made["key"], made["registration"], GITHUB_SECRET)
            with load.running():
                wait_until(lambda: len(receiver.requests) >= 20, timeout=60)
                postgres.stop("immediate")
                time.sleep(OUTAGE_SECONDS)
                postgres.start()
                restarted = time.monotonic()
                time.sleep(3)
            assert hub.processes() == {"web": True, "beat": True, "worker": True}, hub.logs()

            def settled():
                """every stored delivery succeeded and every inbound event processed"""
                state = _in_private_hub(STATE_SNIPPET, env)
                done = set(state["deliveries"].values()) <= {DeliveryStatus.SUCCEEDED} and set(
                    state["inbound"].values()
                ) <= {InboundStatus.PROCESSED}
                return state if done else None

            try:
                state = wait_until(settled, timeout=RECOVERY_SECONDS, step=1)
            except AssertionError:
                raise AssertionError(f"not settled\n{hub.logs()}") from None
            print(
                f"{len(load.accepted_deliveries)} deliveries and {len(load.accepted_inbound)}"
                f" inbound events accepted ({load.refused} refused, retried), all settled"
                f" {time.monotonic() - restarted:.1f} s after the restart"
            )
            assert load.accepted_deliveries <= set(state["deliveries"])
            assert load.accepted_inbound <= set(state["inbound"])
            received = Counter(r.header("webhook-id") for r in receiver.requests)
            assert set(received) == set(state["deliveries"])  # a repeat keeps its webhook-id
            assert hub.health()["checks"] == {"database": "ok", "broker": "ok", "worker": "ok"}
