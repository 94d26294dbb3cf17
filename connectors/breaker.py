"""A circuit breaker per connection, its state in the shared cache (Redis in production), so
every web and worker process sees the same state.

Per connection, not per connector: one tenant's failing account (a revoked app, its own
Salesforce instance down) must not fail another tenant's calls to the same provider fast, nor
show in its health. Callers pass the connection's id as the key.

Closed: calls go through and outcomes land in time buckets spanning the sliding window. When
at least ``MIN_CALLS`` calls in the window failed at ``FAILURE_RATE`` or more, it opens.
Open: calls fail fast until the cooldown ends. Half-open: up to ``HALF_OPEN_PROBES`` calls go
through; a success closes the breaker (and clears the window), a failure opens it again.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

BUCKETS = 10
COUNTERS = ("calls", "failures")


class State(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


STATE_GAUGE = {State.CLOSED: 0, State.HALF_OPEN: 1, State.OPEN: 2}


@dataclass(frozen=True)
class Snapshot:
    state: State
    calls: int
    failures: int
    open_until: float | None

    @property
    def failure_rate(self) -> float:
        return self.failures / self.calls if self.calls else 0.0

    def as_dict(self, *, name: str) -> dict:
        """Seed 000's breaker health shape, ``name`` being the connector's code."""
        return {
            "name": name,
            "state": self.state.value,
            "window_seconds": settings.CONNECTOR_BREAKER_WINDOW_SECONDS,
            "calls": self.calls,
            "failures": self.failures,
            "failure_rate": round(self.failure_rate, 3),
            "open_until": self.open_until,
        }


CLOSED = Snapshot(state=State.CLOSED, calls=0, failures=0, open_until=None)


def combine(snapshots: Iterable[Snapshot]) -> Snapshot:
    """Several breakers as one (a tenant's connections of one connector): the worst state,
    the summed counts, and the open_until of the breakers in that worst state (the latest), so
    an alert on "open" fires when any one connection fails fast."""
    snapshots = list(snapshots)
    if not snapshots:
        return CLOSED
    worst = max(STATE_GAUGE[s.state] for s in snapshots)
    state = next(s for s, level in STATE_GAUGE.items() if level == worst)
    untils = [s.open_until for s in snapshots if s.state is state and s.open_until is not None]
    return Snapshot(
        state=state,
        calls=sum(s.calls for s in snapshots),
        failures=sum(s.failures for s in snapshots),
        open_until=max(untils) if untils else None,
    )


def _prefix(key: str, generation: int | None = None) -> str:
    """Keys carry the breaker's generation: a reset starts a new one, orphaning (until they
    expire) every counter of the old one, which the cache API couldn't delete by pattern."""
    if generation is None:
        generation = cache.get(_generation_key(key), 0)
    return f"breaker:{key}:{generation}"


def _generation_key(key: str) -> str:
    return f"breaker:{key}:generation"


def _bucket_seconds() -> float:
    return max(settings.CONNECTOR_BREAKER_WINDOW_SECONDS / BUCKETS, 1)


def _bucket_range(now: float) -> range:
    current = int(now // _bucket_seconds())
    return range(current - BUCKETS + 1, current + 1)


def _window_counts(prefix: str, now: float) -> tuple[int, int]:
    buckets = _bucket_range(now)
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


def allow(key: str, *, now: float | None = None) -> tuple[bool, float | None]:
    """May a call through connection ``key`` go through now? If not, when (epoch seconds) to
    try again."""
    now = time.time() if now is None else now
    prefix = _prefix(str(key))
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


def record(key: str, *, success: bool, now: float | None = None) -> bool:
    """Count one call's outcome: a provider or transport failure (``success=False``) or an
    answer. True when this failure opened the breaker (or reopened it after a probe)."""
    now = time.time() if now is None else now
    key = str(key)
    prefix = _prefix(key)
    until = cache.get(f"{prefix}:open_until")
    if until is not None:
        if now < until:
            return False  # a call that began before the breaker opened: it changes nothing
        if success:  # a half-open probe's verdict
            reset(key)
            return False
        _open(prefix, now)
        return True
    bucket = int(now // _bucket_seconds())
    _incr(f"{prefix}:calls:{bucket}")
    if success:
        return False
    _incr(f"{prefix}:failures:{bucket}")
    calls, failures = _window_counts(prefix, now)
    if calls >= settings.CONNECTOR_BREAKER_MIN_CALLS and (
        failures / calls >= settings.CONNECTOR_BREAKER_FAILURE_RATE
    ):
        _open(prefix, now)
        return True
    return False


def _open(prefix: str, now: float) -> None:
    cooldown = settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS
    cache.set(f"{prefix}:open_until", now + cooldown, timeout=cooldown * 10)


def reset(key: str) -> None:
    """Close the breaker and forget the window (an operator's reset, or a successful probe)."""
    generation = _generation_key(str(key))
    if not cache.add(generation, 1, timeout=None):
        cache.incr(generation)


def _state(until: float | None, now: float) -> State:
    if until is None:
        return State.CLOSED
    return State.OPEN if now < until else State.HALF_OPEN


def snapshot(key: str, *, now: float | None = None) -> Snapshot:
    return snapshots([key], now=now)[str(key)]


def snapshots(
    keys: Iterable[str], *, now: float | None = None, counts: bool = True
) -> dict[str, Snapshot]:
    """The breakers of many connections in two or three cache round trips (for health views,
    the admin page and the state gauge), by ``str(key)``. Without ``counts``, only the states."""
    now = time.time() if now is None else now
    keys = [str(key) for key in keys]
    if not keys:
        return {}
    generations = cache.get_many([_generation_key(key) for key in keys])
    prefixes = {key: _prefix(key, generations.get(_generation_key(key), 0)) for key in keys}
    buckets = _bucket_range(now) if counts else range(0)
    wanted = [f"{prefix}:open_until" for prefix in prefixes.values()]
    wanted += [
        f"{prefix}:{kind}:{b}" for prefix in prefixes.values() for b in buckets for kind in COUNTERS
    ]
    values = cache.get_many(wanted)
    result = {}
    for key, prefix in prefixes.items():
        until = values.get(f"{prefix}:open_until")
        result[key] = Snapshot(
            state=_state(until, now),
            calls=sum(values.get(f"{prefix}:calls:{b}", 0) for b in buckets),
            failures=sum(values.get(f"{prefix}:failures:{b}", 0) for b in buckets),
            open_until=until,
        )
    return result
