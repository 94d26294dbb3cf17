"""With the database down, a provider is told to retry (503 with Retry-After), not a 500:
nothing could be stored, so nothing was accepted. Run in a process whose database is really
unreachable."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.subprocess_django import run_django

UNREACHABLE_POSTGRES = "postgres://postgres@127.0.0.1:1/switchboard"
SNIPPET = """
import json
from django.test import Client
answers = [
    Client().post(path, b"{}", content_type="application/json")
    for path in ("/webhooks/%s", "/api/v1/connectors/hubspot/webhook")
]
print(json.dumps([[a.status_code, a.get("Retry-After"), json.loads(a.content)] for a in answers]))
"""


@pytest.mark.parametrize("path", [0, 1], ids=["registration", "provider endpoint"])
def test_a_database_outage_is_a_503_to_retry(settings, path):
    result = run_django(
        SNIPPET % uuid.uuid4(),
        env={
            "DATABASE_URL": UNREACHABLE_POSTGRES,
            "REDIS_URL": settings.REDIS_URL,
            "CONNECTOR_WEBHOOK_TENANT": "acme",
            "CONNECTOR_HMAC_SECRET_HUBSPOT": "seed-000-secret",
            "ALLOWED_HOSTS": "testserver",
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]
    status, retry_after, body = json.loads(result.stdout.strip().splitlines()[-1])[path]
    assert (status, retry_after, body["success"]) == (503, "5", False)
