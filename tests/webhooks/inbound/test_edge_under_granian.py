"""The receive edge as a provider's connection sees it, under the real web server (granian
with the Procfile's flags): keep-alive after early answers, chunked bodies, slow clients."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
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


class SlowClients:
    """``count`` connections from another loopback address (another client), each sending a
    webhook's headers and then its body at a byte a second."""

    def __init__(self, port: int, count: int, url: str) -> None:
        self.port, self.count, self.url = port, count, url
        self.sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        for _ in range(self.count):
            signed = github_delivery(self.url, {"blob": "x" * 500})
            head = "".join(f"{k}: {v}\r\n" for k, v in signed.headers.items())
            request = (
                f"POST {path_of(signed)} HTTP/1.1\r\nHost: testserver\r\n{head}"
                f"Content-Length: {len(signed.body)}\r\n\r\n"
            ).encode()
            slow = socket.socket()
            slow.bind(("127.0.0.2", 0))
            slow.connect(("127.0.0.1", self.port))
            slow.sendall(request)
            self.sockets.append(slow)
        self._thread.start()
        return self

    def _trickle(self) -> None:
        while not self._stop.wait(1.0):
            for slow in self.sockets:
                with contextlib.suppress(OSError):
                    slow.send(b"{")

    def answers(self) -> list[bytes]:
        """What each connection has been answered so far (b"" while its body is awaited)."""
        seen = []
        for slow in self.sockets:
            slow.settimeout(0.2)
            try:
                seen.append(slow.recv(4096))
            except OSError:
                seen.append(b"")
        return seen

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for slow in self.sockets:
            slow.close()


def test_slow_clients_do_not_stall_other_providers(registration_url):
    with granian_server() as server, SlowClients(server.port, 50, registration_url) as slow:
        time.sleep(2)  # every slow request has reached the server
        for n in range(5):
            started = time.monotonic()
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                response, body = send(
                    connection, github_delivery(registration_url, PING, delivery=f"prompt-{n}")
                )
            finally:
                connection.close()
            assert response.status == 202, body
            assert time.monotonic() - started < 5  # answered promptly, not after the slow ones
        # Beyond 2 bodies at once per web process (2 processes), the slow client was told to go.
        refused = [a for a in slow.answers() if a.startswith(b"HTTP/1.1 429")]
        assert len(refused) >= 50 - 2 * 2
        assert all(b"connection: close" in a.lower() and b"retry-after: 1" in a for a in refused)
    assert InboundEvent.objects.filter(dedupe_key__startswith="prompt-").count() == 5


def test_a_client_that_never_finishes_its_headers_is_cut_off():
    with granian_server() as server:
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", server.port)) as slow:
            slow.sendall(b"POST /webhooks/x HTTP/1.1\r\nHost: testserver\r\n")
            slow.settimeout(30)
            with contextlib.suppress(ConnectionResetError):
                while slow.recv(1000):
                    pass
        assert time.monotonic() - started < 15  # granian's default would wait 30 s
