from __future__ import annotations

import re

import pytest

from connectors import breaker
from connectors.calls import runner
from connectors.calls.execute import execute
from connectors.models import ConnectorCall
from connectors.tasks import sweep_connector_calls

pytestmark = pytest.mark.django_db


def _value(client, name: str, labels: str) -> float:
    text = client.get("/metrics").content.decode()
    match = re.search(rf"^{re.escape(name)}\{{{re.escape(labels)}\}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_calls_retries_errors_and_ingest_are_exported(
    client, api_client, slack_connection, sandbox
):
    specs = {
        "ok": ("switchboard_connector_calls_total",
               'capability="chat.postMessage",connector="slack",outcome="succeeded"'),
        "retry": ("switchboard_connector_retries_total", 'provider="slack"'),
        "errors": ("switchboard_connector_errors_total", 'mode="call",provider="slack"'),
        "ingest": ("switchboard_connector_ingest_total", 'mode="api",provider="linkedin"'),
    }  # fmt: skip
    before = {key: _value(client, *spec) for key, spec in specs.items()}
    sandbox.state.faults.set("slack", error_burst=1)
    call = execute(slack_connection, "chat.postMessage", {"text": "x"}, "m-1").call
    runner.run(call_id=call.pk)
    call.refresh_from_db()
    call.next_attempt_at = call.created_at
    call.save()
    runner.run(call_id=call.pk)
    api_client.post(
        "/api/v2/integrations/events",
        {"event_type": "lead_generated", "connector_code": "linkedin", "event_data": {}},
        format="json",
    )
    after = {key: _value(client, *spec) for key, spec in specs.items()}
    assert {key: after[key] - before[key] for key in specs} == {
        "ok": 1, "retry": 1, "errors": 1, "ingest": 1,
    }  # fmt: skip


def test_breaker_gauges_are_per_connector_and_name_no_connection(
    client, settings, sandbox, slack_connection, hubspot_connection
):
    settings.CONNECTOR_BREAKER_MIN_CALLS = 2
    opened_before = _value(
        client, "switchboard_connector_breaker_opened_total", 'connector="slack"'
    )
    sweep_connector_calls()
    assert _value(client, "switchboard_connector_breakers_open", 'connector="slack"') == 0
    for _ in range(2):
        breaker.record(str(slack_connection.id), success=False)
    sweep_connector_calls()  # the sweeper refreshes the gauges from every connection's breaker
    text = client.get("/metrics").content.decode()
    assert _value(client, "switchboard_connector_breaker_state", 'connector="slack"') == 2
    assert _value(client, "switchboard_connector_breakers_open", 'connector="slack"') == 1
    assert _value(client, "switchboard_connector_breaker_state", 'connector="hubspot"') == 0
    assert str(slack_connection.id) not in text and "connection=" not in text
    # A call's failure that opens the breaker counts an opening (above, it was opened directly).
    breaker.reset(str(slack_connection.id))
    sandbox.state.faults.set("slack", error_burst=2)
    call = execute(slack_connection, "chat.postMessage", {"text": "x"}, "m-open").call
    for _ in range(2):
        call.refresh_from_db()
        ConnectorCall.objects.filter(pk=call.pk).update(next_attempt_at=call.created_at)
        runner.run(call_id=call.pk)
    opened = _value(client, "switchboard_connector_breaker_opened_total", 'connector="slack"')
    assert opened == opened_before + 1
