"""When a delivery is retried, and after how long. Pure functions: no database, no clock."""

from __future__ import annotations

import enum
import random
from datetime import datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({408, 425, 429})


class Outcome(enum.Enum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"  # transient: try again later
    REJECTED = "rejected"  # the receiver refused it for good: dead letter now
    GONE = "gone"  # 410: dead letter now and disable the subscription


def classify(status_code: int | None) -> Outcome:
    """``None`` means no response (network error, timeout): worth retrying."""
    if status_code is None:
        return Outcome.RETRY
    if 200 <= status_code < 300:
        return Outcome.SUCCEEDED
    if status_code == 410:
        return Outcome.GONE
    if status_code in RETRYABLE_STATUSES or status_code >= 500 or status_code < 400:
        return Outcome.RETRY
    return Outcome.REJECTED


def backoff_seconds(attempt: int, schedule: list[int], rng: random.Random | None = None) -> float:
    """Full jitter: uniform between 0 and the schedule's delay after ``attempt`` (1-based).

    Attempts past the schedule's end reuse its last delay.
    """
    ceiling = schedule[min(attempt, len(schedule)) - 1]
    return (rng or random).uniform(0, ceiling)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def next_delay(
    *,
    attempt: int,
    schedule: list[int],
    retry_after: float | None,
    retry_after_cap: float,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next try: the jittered backoff, or longer if the receiver asked."""
    delay = backoff_seconds(attempt, schedule, rng)
    if retry_after is not None:
        delay = max(delay, min(retry_after, retry_after_cap))
    return delay
