from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from webhooks.outbound.retry import (
    Outcome,
    backoff_seconds,
    classify,
    next_delay,
    parse_retry_after,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.SUCCEEDED),
        (204, Outcome.SUCCEEDED),
        (None, Outcome.RETRY),
        (408, Outcome.RETRY),
        (425, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (302, Outcome.RETRY),
        (400, Outcome.REJECTED),
        (401, Outcome.REJECTED),
        (404, Outcome.REJECTED),
        (422, Outcome.REJECTED),
        (410, Outcome.GONE),
    ],
)
def test_classification(status, outcome):
    assert classify(status) is outcome


def test_full_jitter_stays_within_each_step_of_the_schedule():
    schedule = [5, 300, 1800]
    rng = random.Random(7)
    for attempt, ceiling in [(1, 5), (2, 300), (3, 1800), (4, 1800), (9, 1800)]:
        samples = [backoff_seconds(attempt, schedule, rng) for _ in range(500)]
        assert min(samples) >= 0 and max(samples) <= ceiling
        assert max(samples) > ceiling * 0.9 and min(samples) < ceiling * 0.1  # spread: jitter


def test_retry_after_in_seconds_and_as_http_date():
    assert parse_retry_after("120", now=NOW) == 120
    http_date = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(http_date, now=NOW) == pytest.approx(90)
    assert parse_retry_after("garbage", now=NOW) is None
    assert parse_retry_after(None, now=NOW) is None


def test_retry_after_lengthens_the_delay_but_is_capped():
    rng = random.Random(1)
    assert (
        next_delay(attempt=1, schedule=[5], retry_after=600, retry_after_cap=3600, rng=rng) == 600
    )
    assert (
        next_delay(attempt=1, schedule=[5], retry_after=10**6, retry_after_cap=3600, rng=rng)
        == 3600
    )
    assert next_delay(attempt=1, schedule=[5], retry_after=None, retry_after_cap=3600, rng=rng) <= 5
