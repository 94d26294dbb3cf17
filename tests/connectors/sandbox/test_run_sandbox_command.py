"""manage.py run_sandbox: serves every provider in the foreground until interrupted, and
sends one signed webhook with --send-webhook."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time

import requests
from django.core.management import call_command

from tests.receiver import Receiver
from tests.subprocess_django import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _interrupt(server: subprocess.Popen) -> str:
    """Ctrl-C, as a terminal sends it to the foreground process group, then its output. A
    sandbox still running 15 s later is killed, and so is anything left in its group."""
    try:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGINT)
        try:
            return server.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            return server.communicate(timeout=10)[0] + "\n(killed: still running after Ctrl-C)"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def test_serves_in_the_foreground_until_ctrl_c():
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "run_sandbox", "--port", str(port), "--seed-count", "5"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                stats = requests.get(f"http://127.0.0.1:{port}/_sandbox/stats", timeout=1)
                break
            except requests.ConnectionError:
                assert server.poll() is None, f"the sandbox exited: {server.stdout.read()}"
                assert time.monotonic() < deadline, "the sandbox did not answer within 30 s"
                time.sleep(0.1)
    finally:
        output = _interrupt(server)
    assert stats.json()["records"] == {"hubspot": 5, "salesforce": 5, "dynamics": 5}
    assert server.returncode == 0, output
    assert f"http://127.0.0.1:{port}/hubspot" in output and "Stopped." in output


def test_send_webhook_signs_as_the_provider():
    out = io.StringIO()
    with Receiver() as receiver:
        call_command("run_sandbox", send_webhook="slack", to=receiver.url, secret="shh", stdout=out)
        (got,) = receiver.wait_for(1)
    timestamp = got.header("X-Slack-Request-Timestamp")
    expected = hmac.new(b"shh", f"v0:{timestamp}:".encode() + got.body, hashlib.sha256)
    assert got.header("X-Slack-Signature") == "v0=" + expected.hexdigest()
    assert json.loads(got.body)["type"] == "event_callback"
    assert "-> 200" in out.getvalue()


def test_send_webhook_from_an_event_file_with_options(tmp_path):
    event = tmp_path / "event.json"
    event.write_bytes(b'[{"eventId": 7, "subscriptionType": "contact.creation"}]')
    with Receiver() as receiver:
        call_command(
            "run_sandbox",
            send_webhook="hubspot",
            to=receiver.url,
            secret="cs",
            event_file=event,
            option=["version=v1"],
            stdout=io.StringIO(),
        )
        (got,) = receiver.wait_for(1)
    assert got.body == event.read_bytes()
    assert got.header("X-HubSpot-Signature-Version") == "v1"
    assert got.header("X-HubSpot-Signature") == hashlib.sha256(b"cs" + got.body).hexdigest()
