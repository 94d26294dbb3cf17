"""Connector metrics: seed 000's families under the product's prefix."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from connectors.breaker import STATE_GAUGE, State
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
# Breakers are per connection, but their metrics are per connector: connection ids are
# unbounded (every connection ever made would live on as series) and would list tenants'
# connections on /metrics. The API and the admin show each connection's breaker.
BREAKER_STATE = Gauge(
    f"{PREFIX}_connector_breaker_state",
    "Worst circuit breaker state among the connector's connections: 0 closed, 1 half-open, "
    "2 open (refreshed by the connector-calls sweeper).",
    ["connector"],
    multiprocess_mode="mostrecent",
)
BREAKERS_OPEN = Gauge(
    f"{PREFIX}_connector_breakers_open",
    "Connections of the connector whose circuit breaker is open or half-open (refreshed by the "
    "connector-calls sweeper).",
    ["connector"],
    multiprocess_mode="mostrecent",
)
BREAKER_OPENED = Counter(
    f"{PREFIX}_connector_breaker_opened_total",
    "Times a connection's circuit breaker opened (or reopened after a failed probe).",
    ["connector"],
)


def observe_call(call, *, outcome: str, duration: float) -> None:
    CALLS.labels(connector=call.connector, capability=call.capability_id, outcome=outcome).inc()
    if outcome != "short_circuited":
        CALL_DURATION.labels(connector=call.connector).observe(duration)
    if outcome in ("retry", "failed"):
        ERRORS.labels(provider=call.connector, mode="call").inc()


def export_breaker_states(states_by_connector: dict[str, list[State]]) -> None:
    """Set the breaker gauges from every connection's state, by connector."""
    for connector, states in states_by_connector.items():
        BREAKER_STATE.labels(connector=connector).set(
            max((STATE_GAUGE[state] for state in states), default=0)
        )
        BREAKERS_OPEN.labels(connector=connector).set(
            sum(state is not State.CLOSED for state in states)
        )
