"""The shared rate limit: permits taken from Redis in blocks, never more than the limit in
all, counted per request when the limit is small."""

from __future__ import annotations

import uuid

import pytest

from webhooks.inbound.rate_limit import RateLimiter, block_size


@pytest.fixture
def key():
    return f"test:rate:{uuid.uuid4()}"


def admitted(limiter: RateLimiter, key: str, *, limit: int, requests: int) -> int:
    return sum(limiter.allows(key, limit=limit) for _ in range(requests))


def test_processes_together_never_admit_more_than_the_limit(key, monkeypatch):
    monkeypatch.setattr("time.time", lambda: 1_900_000_000.5)  # one window throughout
    processes = [RateLimiter() for _ in range(4)]
    counts = [admitted(p, key, limit=500, requests=200) for p in processes]
    assert sum(counts) == 500  # 800 asked; each took blocks of 10 until the window was spent
    assert counts[0] == 200  # the first process had all it asked for


def test_a_small_limit_is_counted_per_request(key, monkeypatch):
    monkeypatch.setattr("time.time", lambda: 1_900_000_000.5)
    assert block_size(2) == 1
    first, second = RateLimiter(), RateLimiter()
    assert [first.allows(key, limit=2), second.allows(key, limit=2)] == [True, True]
    assert [first.allows(key, limit=2), second.allows(key, limit=2)] == [False, False]


def test_a_new_window_starts_afresh(key, monkeypatch):
    now = [1_900_000_000.5]
    monkeypatch.setattr("time.time", lambda: now[0])
    limiter = RateLimiter()
    assert admitted(limiter, key, limit=3, requests=5) == 3
    now[0] += 1
    assert admitted(limiter, key, limit=3, requests=5) == 3
