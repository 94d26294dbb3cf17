"""Twelve requests at once creating the same row, against a real threaded server: one is
created, the other eleven are a 409 naming the field, never a 500. The check a service makes
before writing can't see a row a concurrent request hasn't committed yet; the unique index
then refuses the write and that refusal is answered as the check's would be."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from connectors.models import Connection
from crm_sync.models import Client
from tests.factories import IssuedKeyFactory

pytestmark = pytest.mark.django_db(transaction=True)
PARALLEL = 12


def _at_once(method: str, urls: list[str], body: dict, *, key: str) -> list[requests.Response]:
    start = threading.Barrier(len(urls))
    headers = {"Authorization": f"Bearer {key}"}

    def send(url: str) -> requests.Response:
        session = requests.Session()
        start.wait(timeout=30)
        return session.request(method, url, json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(len(urls)) as pool:
        return list(pool.map(send, urls))


@pytest.mark.parametrize(
    ("path", "body", "model", "field"),
    [
        (
            "/api/v1/connections",
            {"connector": "slack", "name": "Team Slack", "credentials": {"bot_token": "t"}},
            Connection,
            "name",
        ),
        ("/api/v1/clients", {"name": "Ada", "email": "ada@example.com"}, Client, "email"),
    ],
    ids=["connection name", "client email"],
)
def test_parallel_creates_of_one_row_are_one_201_and_409s(live_server, path, body, model, field):
    issued = IssuedKeyFactory()
    answers = _at_once("POST", [live_server.url + path] * PARALLEL, body, key=issued.raw_key)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (PARALLEL - 1), [a.text[:300] for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "conflict"
            assert list(answer.json()["errors"]) == [field]
    assert model.objects.filter(tenant=issued.api_key.tenant).count() == 1


def test_parallel_installs_through_seed_002_are_one_201_and_409s(live_server):
    issued = IssuedKeyFactory()
    body = {
        "operation": "INSTALL",
        "connector_code": "slack",
        "installation_config": {"bot_token": "t"},
    }
    url = f"{live_server.url}/api/v2/integrations/connectors"
    answers = _at_once("POST", [url] * PARALLEL, body, key=issued.raw_key)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (PARALLEL - 1), [a.text[:300] for a in answers]
    refused = [a.json() for a in answers if a.status_code == 409]
    assert all(r["success"] is False and list(r["details"]) == ["name"] for r in refused)


def test_parallel_renames_to_one_email_are_one_200_and_409s(live_server):
    issued = IssuedKeyFactory()
    tenant = issued.api_key.tenant
    rows = [Client.objects.create(tenant=tenant, name=f"c{n}") for n in range(PARALLEL)]
    urls = [f"{live_server.url}/api/v1/clients/{row.id}" for row in rows]
    answers = _at_once("PATCH", urls, {"email": "same@example.com"}, key=issued.raw_key)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * (PARALLEL - 1), [a.text[:300] for a in answers]
    assert Client.objects.filter(tenant=tenant, email="same@example.com").count() == 1
