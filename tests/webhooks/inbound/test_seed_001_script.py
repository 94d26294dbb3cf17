"""Seed 001's manual-testing script, run with curl, jq and openssl against a live hub: a
client written against the seed's document works unchanged (its register call sends JSON
as curl's default form content type)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from connectors.connections import create_connection
from webhooks.inbound.models import InboundEvent, WebhookRegistration

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = Path(__file__).parents[2] / "fixtures" / "seeds" / "001_manual_testing.sh"
HEALTH_STEP = "curl http://localhost:3000/webhooks/$WEBHOOK_ID/health"


def _filled_in(*, url: str, key: str, connection_id: str) -> str:
    """The placeholders a reader replaces; step 4 sends the API key (README: Compatibility)."""
    script = SCRIPT.read_text()
    script = script.replace(HEALTH_STEP, f'{HEALTH_STEP} -H "Authorization: Bearer test-token"')
    script = script.replace("test-token", key).replace("conn-123", connection_id)
    return script.replace("http://localhost:3000", url)


def test_the_seed_001_manual_testing_script_works_verbatim(live_server, issued_key, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    tenant = issued_key.api_key.tenant
    connection = create_connection(
        tenant=tenant,
        connector="salesforce",
        config={"instance_url": "https://acme.my.salesforce.com"},
        credentials={"access_token": "00D-token"},
    )
    key, connection_id = issued_key.raw_key, str(connection.id)
    script = _filled_in(url=live_server.url, key=key, connection_id=connection_id)

    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)

    assert run.returncode == 0, run.stderr
    registration = WebhookRegistration.objects.get(tenant=tenant)
    assert registration.event_types == ["Contact.created"]
    event = InboundEvent.objects.get(registration=registration)
    assert event.event_type == "Contact.created"
    assert '"status":"healthy"' in run.stdout.replace(" ", "")
