"""CRM sync metrics. Ingest by provider and mode is seed 000's
``switchboard_connector_ingest_total{provider,mode}`` (connectors.metrics), counted per record
applied from a poll or a webhook."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from core.metrics import PREFIX

RUNS = Counter(
    f"{PREFIX}_crm_sync_runs_total",
    "Sync runs by provider, trigger (webhook, poll, manual) and outcome.",
    ["provider", "trigger", "outcome"],
)
CLIENTS = Gauge(
    f"{PREFIX}_crm_clients",
    "Clients by sync status, across tenants (refreshed by the CRM sweeper).",
    ["status"],
    multiprocess_mode="mostrecent",
)
