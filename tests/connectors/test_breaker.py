"""The circuit breaker's states, against the shared cache (Redis in the tests)."""

from __future__ import annotations

import pytest

from connectors import breaker
from connectors.breaker import State

NAME = "breaker-test"


@pytest.fixture(autouse=True)
def small_breaker(settings):
    settings.CONNECTOR_BREAKER_WINDOW_SECONDS = 60
    settings.CONNECTOR_BREAKER_MIN_CALLS = 4
    settings.CONNECTOR_BREAKER_FAILURE_RATE = 0.5
    settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS = 10
    settings.CONNECTOR_BREAKER_HALF_OPEN_PROBES = 2
    breaker.reset(NAME)
    yield
    breaker.reset(NAME)


def test_it_opens_only_past_the_minimum_calls_and_the_failure_rate():
    now = 1_000_000.0
    for success in (False, False, False):
        breaker.record(NAME, success=success, now=now)
    assert breaker.snapshot(NAME, now=now).state is State.CLOSED  # 3 calls < minimum 4
    breaker.record(NAME, success=True, now=now)
    assert breaker.snapshot(NAME, now=now).state is State.CLOSED  # 4 calls: no failure since
    breaker.record(NAME, success=False, now=now)
    snap = breaker.snapshot(NAME, now=now)
    assert snap.state is State.OPEN and snap.calls == 5 and snap.failures == 4
    assert breaker.allow(NAME, now=now + 1) == (False, now + 10)


def test_a_low_failure_rate_keeps_it_closed():
    now = 2_000_000.0
    for n in range(10):
        breaker.record(NAME, success=n % 4 != 0, now=now)  # 3 failures in 10
    assert breaker.snapshot(NAME, now=now).state is State.CLOSED


def test_old_failures_leave_the_window():
    now = 3_000_000.0
    for _ in range(3):
        breaker.record(NAME, success=False, now=now)
    breaker.record(NAME, success=False, now=now + 120)  # the first three are out of the window
    assert breaker.snapshot(NAME, now=now + 120).state is State.CLOSED


def _open(now: float) -> None:
    for _ in range(4):
        breaker.record(NAME, success=False, now=now)
    assert breaker.snapshot(NAME, now=now).state is State.OPEN


def test_half_open_lets_a_few_probes_through_and_a_success_closes_it():
    now = 4_000_000.0
    _open(now)
    later = now + 11
    assert breaker.snapshot(NAME, now=later).state is State.HALF_OPEN
    assert breaker.allow(NAME, now=later)[0] and breaker.allow(NAME, now=later)[0]
    assert breaker.allow(NAME, now=later)[0] is False  # only two probes
    breaker.record(NAME, success=True, now=later)
    snap = breaker.snapshot(NAME, now=later)
    assert snap.state is State.CLOSED and snap.calls == 0


def test_a_failed_probe_opens_it_again():
    now = 5_000_000.0
    _open(now)
    later = now + 11
    assert breaker.allow(NAME, now=later)[0]
    breaker.record(NAME, success=False, now=later)
    assert breaker.snapshot(NAME, now=later).state is State.OPEN
    assert breaker.allow(NAME, now=later + 5)[0] is False
    assert breaker.allow(NAME, now=later + 11)[0]  # a fresh half-open with fresh probes


def test_reset_closes_it():
    now = 6_000_000.0
    _open(now)
    breaker.reset(NAME)
    assert breaker.snapshot(NAME, now=now).state is State.CLOSED
    assert breaker.allow(NAME, now=now) == (True, None)


def test_outcomes_of_calls_begun_before_it_opened_do_not_extend_it():
    now = 7_000_000.0
    _open(now)
    until = breaker.snapshot(NAME, now=now).open_until
    breaker.record(NAME, success=False, now=now + 1)
    assert breaker.snapshot(NAME, now=now + 1).open_until == until
