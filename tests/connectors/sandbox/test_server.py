"""start_sandbox() is quick to start and stop, serves concurrently, and isolates instances;
make_app() is a plain WSGI app."""

from __future__ import annotations

import io
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from wsgiref.util import setup_testing_defaults

import pytest
import requests

from connectors.sandbox import SandboxState, make_app, start_sandbox


def test_starts_and_stops_fast_and_frees_the_port():
    started = time.monotonic()
    sandbox = start_sandbox()
    assert requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).status_code == 200
    sandbox.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", sandbox.port), 0.5):
        pass
    sandbox.stop()  # stopping twice is harmless


def test_instances_are_independent():
    with start_sandbox() as one, start_sandbox(state=SandboxState(seed_count=3)) as two:
        one.state.faults.set("zapier", error_burst=1)
        assert requests.post(f"{two.base_url('zapier')}/hooks/catch/1/a/", timeout=5).ok
        assert two.state.stats()["records"]["hubspot"] == 3
        assert one.state.stats()["requests"]["zapier"] == 0
        assert one.port != two.port


def test_requests_are_served_concurrently():
    with start_sandbox() as sandbox:
        sandbox.state.faults.set("zapier", latency_ms=300)
        url = f"{sandbox.base_url('zapier')}/hooks/catch/1/a/"
        started = time.monotonic()
        with ThreadPoolExecutor(10) as pool:
            statuses = list(
                pool.map(lambda _: requests.post(url, timeout=5).status_code, range(10))
            )
        assert statuses == [200] * 10
        assert time.monotonic() - started < 2  # one at a time would take 3 s


def test_base_url_names_known_providers_only():
    with start_sandbox() as sandbox:
        assert sandbox.base_url("slack") == f"{sandbox.url}/slack"
        with pytest.raises(ValueError, match="unknown provider"):
            sandbox.base_url("myspace")


def test_make_app_is_a_plain_wsgi_application():
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/api/chat.postMessage",
        "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": "Bearer xoxb-1",
    }
    body = b'{"channel": "#general", "text": "wsgi"}'
    environ.update({"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)})
    setup_testing_defaults(environ)
    started: list[str] = []
    chunks = make_app(SandboxState(seed_count=1))(
        environ, lambda status, headers: started.append(status)
    )
    assert started == ["200 OK"]
    assert json.loads(b"".join(chunks))["message"]["text"] == "wsgi"
