from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from connectors.calls import runner
from connectors.calls.execute import execute
from connectors.models import CallStatus, Connection

pytestmark = pytest.mark.django_db


def test_bootstrap_demo_wires_the_demo_tenant_to_the_sandbox_once(settings, tmp_path, sandbox):
    settings.DATA_DIR = tmp_path
    settings.SANDBOX_URL = sandbox.url
    for _ in range(2):
        call_command("bootstrap_demo", stdout=io.StringIO())
    connections = Connection.objects.filter(tenant__slug="demo")
    assert sorted(c.connector for c in connections) == [
        "dynamics", "hubspot", "salesforce", "slack", "whatsapp", "zapier",
    ]  # fmt: skip
    slack = connections.get(connector="slack")
    call = execute(slack, "chat.postMessage", {"text": "hello from the demo"}, "demo-1").call
    runner.run(call_id=call.pk)
    call.refresh_from_db()
    assert call.status == CallStatus.SUCCEEDED
