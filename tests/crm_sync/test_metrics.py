"""Ingest by provider and mode, sync runs by outcome and clients by status at /metrics."""

from __future__ import annotations

import re

import pytest

from crm_sync.services import clients
from crm_sync.services.polling import poll
from crm_sync.services.sweeper import sweep

pytestmark = pytest.mark.django_db(transaction=True)


def _value(client, name: str, labels: str) -> float:
    text = client.get("/metrics").content.decode()
    match = re.search(rf"^{re.escape(name)}\{{{re.escape(labels)}\}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_ingest_runs_and_clients_are_exported(client, tenant, connect):
    ingest = ("switchboard_connector_ingest_total", 'mode="poll",provider="salesforce"')
    runs = (
        "switchboard_crm_sync_runs_total",
        'outcome="succeeded",provider="salesforce",trigger="poll"',
    )
    before = _value(client, *ingest), _value(client, *runs)
    poll(connection=connect(tenant, "salesforce"))
    clients.create_client(tenant=tenant, values={"name": "Local only"})
    sweep()
    assert _value(client, *ingest) == before[0] + 250
    assert _value(client, *runs) == before[1] + 1
    assert _value(client, "switchboard_crm_clients", 'status="SYNCED"') == 250
    assert _value(client, "switchboard_crm_clients", 'status="NEEDS_UPDATE"') == 1
