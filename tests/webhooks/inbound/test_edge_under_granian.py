"""The receive edge as a provider's connection sees it, under the real web server (granian
with the Procfile's flags): keep-alive after early answers, chunked bodies, slow clients."""

from __future__ import annotations

import http.client
import time
import uuid

import pytest

from tests.granian_server import granian_server
from tests.webhooks.inbound.conftest import github_delivery
from webhooks.inbound.models import InboundEvent
from webhooks.inbound.registrations import webhook_url

pytestmark = pytest.mark.django_db(transaction=True)
PING = {"zen": "Keep it logically awesome.", "hook_id": 7, "hook": {"type": "Repository"}}


def path_of(signed) -> str:
    return "/" + signed.url.split("://", 1)[1].split("/", 1)[1]


def send(
    connection: http.client.HTTPConnection, signed, *, chunked=False, query="", late_body=False
):
    """POST ``signed``; ``late_body``: its body a moment after its headers, as a body larger
    than a packet or a busy network delivers it (the server may answer before it arrives)."""
    headers = {**signed.headers, "Host": "testserver"}
    if not chunked:
        headers["Content-Length"] = str(len(signed.body))
    half = len(signed.body) // 2

    def body():
        if late_body:
            time.sleep(0.3)
        yield signed.body[:half]
        yield signed.body[half:]

    connection.request(
        "POST", path_of(signed) + query, body=body(), headers=headers, encode_chunked=chunked
    )
    response = connection.getresponse()
    return response, response.read()


@pytest.fixture
def registration_url(github_registration):
    return webhook_url(github_registration).replace("http://testserver", "http://127.0.0.1")


@pytest.mark.parametrize("query", ["", "?via=lean"], ids=["direct", "lean"])
def test_a_keep_alive_client_is_told_429_and_404_not_disconnected(registration_url, query):
    unknown = github_delivery(f"http://testserver/webhooks/{uuid.uuid4()}", PING)
    with granian_server(env={"INBOUND_RATE_LIMIT_PER_SECOND": "0"}) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for signed in [github_delivery(registration_url, PING), unknown] * 3:
                response, _body = send(connection, signed, late_body=True, query=query)
                assert response.status in (429, 404)
                if response.status == 429:
                    assert response.getheader("Retry-After") == "1"
        finally:
            connection.close()
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize("query", ["", "?via=lean"], ids=["direct", "lean"])
def test_a_chunked_body_is_read_and_stored(registration_url, query):
    with granian_server(env={"INBOUND_MAX_BODY_BYTES": "20000"}) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            signed = github_delivery(registration_url, PING, delivery=f"chunked{query}")
            response, body = send(connection, signed, chunked=True, query=query)
            assert response.status == 202, body
            too_big = github_delivery(registration_url, {"blob": "x" * 30000})
            response, body = send(connection, too_big, chunked=True, query=query)
            assert response.status == 413, body
        finally:
            connection.close()
    (stored,) = InboundEvent.objects.all()
    assert stored.dedupe_key == f"chunked{query}" and bytes(stored.raw_body) == signed.body
