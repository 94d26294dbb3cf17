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
COUNTERS = ("calls", "failures")


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


def _prefix(name: str) -> str:
    """Keys carry the breaker's generation: a reset starts a new one, orphaning (until they
    expire) every counter of the old one, which the cache API couldn't delete by pattern."""
    return f"breaker:{name}:{cache.get(_generation_key(name), 0)}"


def _generation_key(name: str) -> str:
    return f"breaker:{name}:generation"


def _bucket_seconds() -> float:
    return max(settings.CONNECTOR_BREAKER_WINDOW_SECONDS / BUCKETS, 1)


def _window_counts(prefix: str, now: float) -> tuple[int, int]:
    current = int(now // _bucket_seconds())
    buckets = range(current - BUCKETS + 1, current + 1)
    values = cache.get_many([f"{prefix}:{kind}:{b}" for b in buckets for kind in COUNTERS])
    calls = sum(values.get(f"{prefix}:calls:{b}", 0) for b in buckets)
    failures = sum(values.get(f"{prefix}:failures:{b}", 0) for b in buckets)
    return calls, failures


def _incr(key: str) -> None:
    ttl = settings.CONNECTOR_BREAKER_WINDOW_SECONDS * 2
    if cache.add(key, 1, ttl):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, ttl)


def allow(name: str, *, now: float | None = None) -> tuple[bool, float | None]:
    """May a call go through now? If not, the time (epoch seconds) to try again."""
    now = time.time() if now is None else now
    prefix = _prefix(name)
    until = cache.get(f"{prefix}:open_until")
    if until is None:
        return True, None
    if now < until:
        return False, until
    probes = f"{prefix}:probes:{until}"  # one counter per opening: each half-open starts at 0
    cache.add(probes, 0, settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS * 10)
    if cache.incr(probes) <= settings.CONNECTOR_BREAKER_HALF_OPEN_PROBES:
        return True, None
    return False, now + settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS / 2


def record(name: str, *, success: bool, now: float | None = None) -> None:
    now = time.time() if now is None else now
    prefix = _prefix(name)
    until = cache.get(f"{prefix}:open_until")
    if until is not None:
        if now < until:
            return  # a call that began before the breaker opened: it changes nothing
        if success:  # a half-open probe's verdict
            reset(name)
        else:
            _open(prefix, now)
        return
    bucket = int(now // _bucket_seconds())
    _incr(f"{prefix}:calls:{bucket}")
    if success:
        return
    _incr(f"{prefix}:failures:{bucket}")
    calls, failures = _window_counts(prefix, now)
    if calls >= settings.CONNECTOR_BREAKER_MIN_CALLS and (
        failures / calls >= settings.CONNECTOR_BREAKER_FAILURE_RATE
    ):
        _open(prefix, now)


def _open(prefix: str, now: float) -> None:
    cooldown = settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS
    cache.set(f"{prefix}:open_until", now + cooldown, timeout=cooldown * 10)


def reset(name: str) -> None:
    """Close the breaker and forget the window (an operator's reset, or a successful probe)."""
    if not cache.add(_generation_key(name), 1, timeout=None):
        cache.incr(_generation_key(name))


def _state(until: float | None, now: float) -> State:
    if until is None:
        return State.CLOSED
    return State.OPEN if now < until else State.HALF_OPEN


def snapshot(name: str, *, now: float | None = None) -> Snapshot:
    now = time.time() if now is None else now
    prefix = _prefix(name)
    until = cache.get(f"{prefix}:open_until")
    calls, failures = _window_counts(prefix, now)
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
