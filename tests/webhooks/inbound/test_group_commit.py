"""Concurrent receives of one process share an INSERT and its commit; each request still answers
202 only after the commit holding its events, with its own accepted and duplicate counts."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.test import Client

from tests.waiting import wait_until
from tests.webhooks.inbound.conftest import github_delivery, post_signed
from webhooks.inbound import storing
from webhooks.inbound.models import InboundEvent
from webhooks.inbound.registrations import webhook_url

pytestmark = pytest.mark.django_db(transaction=True)
PING = {"zen": "Keep it logically awesome.", "hook_id": 42, "hook": {"type": "Repository"}}


def dsn() -> str:
    db = connections["default"].settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def post_in_thread(signed, answers: dict, label: str) -> threading.Thread:
    def run() -> None:
        try:
            answers[label] = post_signed(Client(), signed)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def blocked_on_lock(monitor: psycopg.Connection) -> int:
    sql = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    return monitor.execute(sql).fetchone()[0]


def queued() -> int:
    committer = storing._committer()
    with committer._lock:
        return len(committer._queue)


def share_a_write(registration, *, first: str, later: dict[str, str], answers: dict) -> None:
    """Deliver ``first``, then the ``later`` deliveries (label: delivery id) while its commit
    is held up, and wait for every answer.

    A lock on the registration row holds the first commit at its foreign-key check, as a slow
    commit would: the requests arriving meanwhile queue for the next write, which they share.
    """
    url = webhook_url(registration)
    with psycopg.connect(dsn()) as holder, psycopg.connect(dsn(), autocommit=True) as monitor:
        holder.execute(
            "SELECT 1 FROM webhooks_webhookregistration WHERE id = %s FOR UPDATE",
            (registration.id,),
        )
        threads = [post_in_thread(github_delivery(url, PING, delivery=first), answers, first)]
        wait_until(lambda: blocked_on_lock(monitor) == 1, timeout=10)
        threads += [
            post_in_thread(github_delivery(url, PING, delivery=delivery), answers, label)
            for label, delivery in later.items()
        ]
        wait_until(lambda: queued() == len(later), timeout=10)
        assert answers == {}  # nobody has answered before the commit holding its events
        holder.rollback()
    for thread in threads:
        thread.join(10)


def commits_seen() -> dict[str, float]:
    return {s.name: s.value for s in storing.REQUESTS_PER_COMMIT.collect()[0].samples}


def test_requests_arriving_during_a_commit_share_the_next_one(github_registration):
    before = commits_seen()
    answers: dict = {}
    later = {f"later-{n}": f"later-{n}" for n in range(3)} | {"later-2-again": "later-2"}
    share_a_write(github_registration, first="first", later=later, answers=answers)
    assert {key: answer.status_code for key, answer in answers.items()} == {
        "first": 202, "later-0": 202, "later-1": 202, "later-2": 202, "later-2-again": 202,
    }  # fmt: skip
    counts = [answers[k].json() for k in ("later-2", "later-2-again")]
    assert sorted((c["accepted"], c["duplicates"]) for c in counts) == [(0, 1), (1, 0)]
    stored = sorted(InboundEvent.objects.values_list("dedupe_key", flat=True))
    assert stored == ["first", "later-0", "later-1", "later-2"]
    after = commits_seen()
    writes = "switchboard_inbound_requests_per_commit_count"
    requests = "switchboard_inbound_requests_per_commit_sum"
    assert after[writes] - before.get(writes, 0) == 2  # the first, then the other four together
    assert after[requests] - before.get(requests, 0) == 5


def test_one_request_that_the_database_refuses_fails_alone(github_registration):
    """A row PostgreSQL refuses (here a delivery id with a NUL, which no text column stores)
    fails its own request as a 400; the others sharing its write are stored and answered 202."""
    answers: dict = {}
    later = {"good-1": "good-1", "bad": "bad\x00", "good-2": "good-2"}
    share_a_write(github_registration, first="first", later=later, answers=answers)
    statuses = {key: answer.status_code for key, answer in answers.items()}
    assert statuses == {"first": 202, "good-1": 202, "bad": 400, "good-2": 202}
    stored = sorted(InboundEvent.objects.values_list("dedupe_key", flat=True))
    assert stored == ["first", "good-1", "good-2"]


def test_inside_a_transaction_a_request_inserts_on_its_own_connection(github_registration):
    """A caller's open transaction keeps its events: nothing commits them behind its back."""
    with transaction.atomic():
        signed = github_delivery(webhook_url(github_registration), PING, delivery="in-a-txn")
        assert post_signed(Client(), signed).status_code == 202
        transaction.set_rollback(True)
    assert InboundEvent.objects.count() == 0
