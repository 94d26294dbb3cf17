"""Outbound delivery metrics (exported at /metrics; see README for multi-process setups)."""

from prometheus_client import Counter, Histogram

from core.metrics import PREFIX

DELIVERY_OUTCOMES = Counter(
    f"{PREFIX}_outbound_deliveries_total",
    "Delivery attempts by outcome: succeeded, retry (failed, will retry), dead.",
    ["outcome"],
)
ATTEMPT_DURATION = Histogram(
    f"{PREFIX}_outbound_attempt_duration_seconds",
    "Duration of one outbound webhook request.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RETRIES_SCHEDULED = Counter(
    f"{PREFIX}_outbound_retries_total", "Retries scheduled after a failed attempt."
)
DEAD_LETTERS = Counter(
    f"{PREFIX}_outbound_dead_letters_total",
    "Deliveries that became dead letters, by reason: exhausted, rejected, gone, refused.",
    ["reason"],
)
CIRCUIT_POSTPONED = Counter(
    f"{PREFIX}_outbound_circuit_postponed_total",
    "Due deliveries held back because their subscription's circuit was open.",
)
