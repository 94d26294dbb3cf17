"""A circuit breaker per connector, its state in the shared cache (Redis in production), so
every web and worker process sees the same state.

Closed: calls go through and outcomes land in time buckets spanning the sliding window. When
at least ``MIN_CALLS`` calls in the window failed at ``FAILURE_RATE`` or more, it opens.
Open: calls fail fast until the cooldown ends. Half-open: up to ``HALF_OPEN_PROBES`` calls go
through; a success closes the breaker (and clears the window), a failure opens it again.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from connectors import metrics

BUCKETS = 10


class State(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


STATE_GAUGE = {State.CLOSED: 0, State.HALF_OPEN: 1, State.OPEN: 2}


@dataclass(frozen=True)
class Snapshot:
    name: str
    state: State
    calls: int
    failures: int
    failure_rate: float
    open_until: float | None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "state": self.state.value,
            "window_seconds": settings.CONNECTOR_BREAKER_WINDOW_SECONDS,
            "calls": self.calls,
            "failures": self.failures,
            "failure_rate": round(self.failure_rate, 3),
            "open_until": self.open_until,
        }


def _key(name: str, *parts: object) -> str:
    return ":".join(("breaker", name, *map(str, parts)))


def _bucket_seconds() -> float:
    return max(settings.CONNECTOR_BREAKER_WINDOW_SECONDS / BUCKETS, 1)


def _window_counts(name: str, now: float) -> tuple[int, int]:
    size = _bucket_seconds()
    current = int(now // size)
    buckets = range(current - BUCKETS + 1, current + 1)
    keys = [_key(name, kind, b) for b in buckets for kind in ("calls", "failures")]
    values = cache.get_many(keys)
    calls = sum(values.get(_key(name, "calls", b), 0) for b in buckets)
    failures = sum(values.get(_key(name, "failures", b), 0) for b in buckets)
    return calls, failures


def _incr(key: str) -> None:
    ttl = settings.CONNECTOR_BREAKER_WINDOW_SECONDS * 2
    if cache.add(key, 1, ttl):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, ttl)


def _opened_until(name: str) -> float | None:
    return cache.get(_key(name, "open_until"))


def allow(name: str, *, now: float | None = None) -> tuple[bool, float | None]:
    """May a call go through now? If not, the time (epoch seconds) to try again."""
    now = time.time() if now is None else now
    until = _opened_until(name)
    if until is None:
        return True, None
    if now < until:
        return False, until
    probes = _key(name, "probes", until)  # one counter per opening, so each half-open starts at 0
    cache.add(probes, 0, settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS * 10)
    if cache.incr(probes) <= settings.CONNECTOR_BREAKER_HALF_OPEN_PROBES:
        return True, None
    return False, now + settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS / 2


def record(name: str, *, success: bool, now: float | None = None) -> None:
    now = time.time() if now is None else now
    until = _opened_until(name)
    if until is not None and now >= until:  # a half-open probe's verdict
        if success:
            reset(name, now=now)
        else:
            _open(name, now)
        return
    bucket = int(now // _bucket_seconds())
    _incr(_key(name, "calls", bucket))
    if success:
        return
    _incr(_key(name, "failures", bucket))
    calls, failures = _window_counts(name, now)
    if calls >= settings.CONNECTOR_BREAKER_MIN_CALLS and (
        failures / calls >= settings.CONNECTOR_BREAKER_FAILURE_RATE
    ):
        _open(name, now)


def _open(name: str, now: float) -> None:
    cooldown = settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS
    cache.set(_key(name, "open_until"), now + cooldown, timeout=cooldown * 10)


def reset(name: str, *, now: float | None = None) -> None:
    """Close the breaker and forget the window (an operator's reset, or a successful probe)."""
    now = time.time() if now is None else now
    current = int(now // _bucket_seconds())
    buckets = range(current - BUCKETS, current + 1)
    keys = [_key(name, kind, b) for b in buckets for kind in ("calls", "failures")]
    cache.delete_many([_key(name, "open_until"), *keys])


def _state(until: float | None, now: float) -> State:
    if until is None:
        return State.CLOSED
    return State.OPEN if now < until else State.HALF_OPEN


def snapshot(name: str, *, now: float | None = None) -> Snapshot:
    now = time.time() if now is None else now
    until = _opened_until(name)
    calls, failures = _window_counts(name, now)
    state = _state(until, now)
    metrics.BREAKER_STATE.labels(connector=name).set(STATE_GAUGE[state])
    return Snapshot(
        name=name,
        state=state,
        calls=calls,
        failures=failures,
        failure_rate=failures / calls if calls else 0.0,
        open_until=until,
    )
