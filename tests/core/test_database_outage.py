"""With the database down, every API answers 503 with ``Retry-After`` (try again soon), never
a 500: nothing was accepted. Run in a process whose database is really unreachable (a closed
port), so the outage happens where it would in production: at connect time, in whatever the
request touches first (the API key, a session, a query)."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from django.db import InterfaceError, OperationalError

from tests.subprocess_django import run_django

UNREACHABLE_POSTGRES = "postgres://postgres@127.0.0.1:1/switchboard"
SNIPPET = """
import json
from django.test import Client
client = Client(raise_request_exception=False, HTTP_AUTHORIZATION="Bearer sb_not_checked_yet")
client.cookies["sessionid"] = "a-session-the-database-holds"
answers = {
    "events": client.post("/api/v1/events", {"event_type": "client.created", "payload": {}},
                          content_type="application/json"),
    "clients": client.get("/api/v1/clients"),
    "seed notify": client.post("/api/webhooks/notify", {"event": "client.created", "data": {}},
                               content_type="application/json"),
    "admin": client.get("/admin/"),
}
def body(answer):
    try:
        return json.loads(answer.content)
    except ValueError:
        return {"code": None, "detail": answer.content.decode()[:300]}
print(json.dumps({name: [a.status_code, a.get("Retry-After"), body(a)]
                  for name, a in answers.items()}))
"""


@pytest.fixture(scope="module")
def answers():
    from django.conf import settings

    result = run_django(
        SNIPPET,
        env={
            "DATABASE_URL": UNREACHABLE_POSTGRES,
            "REDIS_URL": settings.REDIS_URL,
            "ALLOWED_HOSTS": "testserver",
            "DEBUG": "false",  # production's error pages, not the debug page
            "SECRET_KEY": "outage-test-" + "k" * 50,
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["events", "clients", "admin"])
def test_a_database_outage_is_a_503_with_retry_after(answers, name):
    status, retry_after, body = answers[name]
    assert (status, retry_after) == (503, "5"), body
    assert body["code"] == "database_unavailable"
    assert "retry" in body["detail"]


def test_a_seed_endpoint_answers_the_outage_in_its_own_shape(answers):
    status, retry_after, body = answers["seed notify"]
    assert (status, retry_after) == (503, "5"), body
    assert body["success"] is False and "retry" in body["error"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error", [OperationalError("server closed the connection"), InterfaceError("already closed")]
)
def test_a_connection_lost_mid_request_is_a_503_too(api_client, monkeypatch, error):
    """PostgreSQL restarting under a request: the query fails on a connection that was fine."""

    def lost(**kwargs):
        raise error

    monkeypatch.setattr("crm_sync.api.views.selectors.sync_status_summary", lost)
    response = api_client.get("/api/crm/sync-status")
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response.json()["success"] is False
