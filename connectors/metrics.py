"""Connector metrics: seed 000's families under the product's prefix."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from core.metrics import PREFIX

INGEST = Counter(
    f"{PREFIX}_connector_ingest_total", "Records ingested from providers.", ["provider", "mode"]
)
ERRORS = Counter(
    f"{PREFIX}_connector_errors_total", "Provider errors by mode.", ["provider", "mode"]
)
RETRIES = Counter(f"{PREFIX}_connector_retries_total", "Connector call retries.", ["provider"])
CALLS = Counter(
    f"{PREFIX}_connector_calls_total",
    "Connector call attempts by outcome: succeeded, retry, failed, short_circuited.",
    ["connector", "capability", "outcome"],
)
CALL_DURATION = Histogram(
    f"{PREFIX}_connector_call_duration_seconds", "Duration of one provider call.", ["connector"]
)
BREAKER_STATE = Gauge(
    f"{PREFIX}_connector_breaker_state",
    "Circuit breaker state per connector: 0 closed, 1 half-open, 2 open.",
    ["connector"],
    multiprocess_mode="mostrecent",
)


def observe_call(call, *, outcome: str, duration: float) -> None:
    CALLS.labels(connector=call.connector, capability=call.capability_id, outcome=outcome).inc()
    if outcome != "short_circuited":
        CALL_DURATION.labels(connector=call.connector).observe(duration)
    if outcome in ("retry", "failed"):
        ERRORS.labels(provider=call.connector, mode="call").inc()
