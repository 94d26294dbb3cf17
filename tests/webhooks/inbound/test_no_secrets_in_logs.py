"""A secret a provider sends in the URL's query (Dynamics' ``?code=``, Zapier's ``?token=``, a
configured ``secret_param``, Meta's ``hub.verify_token``) never reaches a log, whatever the
request is answered: every provider's URL form, refused with a 4xx, by the lean chain and by
Django's views, with the project's structured log output (JSON and console) captured."""

from __future__ import annotations

import contextlib
import http.client
import io
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from rest_framework.test import APIClient

from config.logging import build_logging
from connectors.sandbox.webhooks import SignedRequest
from tests.connectors.providers.inbound_support import fixture_paths
from tests.granian_server import procfile_web_command
from tests.webhooks.inbound.conftest import post_signed
from tests.webhooks.inbound.test_lean_wsgi import call_wsgi
from webhooks.inbound import provider_endpoint, registry
from webhooks.inbound.models import WebhookRegistration
from webhooks.inbound.registrations import webhook_url

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
SECRET = "s3cr3t-in-the-url-7f4e2a9c"

# Each provider's URL forms: (config, query string). The query carries SECRET where the
# provider's scheme puts a secret in the URL, and as ?code=/?token= for every other provider
# (someone pasting a key into the URL).
URL_FORMS: dict[str, list[tuple[dict, str]]] = {
    "dynamics": [
        ({"auth": "webhook_key"}, f"code={SECRET}"),
        (
            {"auth": "query", "secret_param": "apikey", "query_params": {"source": "dv"}},
            f"source=dv&apikey={SECRET}",
        ),
    ],
    "zapier": [({"auth": "token"}, f"token={SECRET}")],
}


def _forms(code: str) -> list[tuple[dict, str]]:
    return URL_FORMS.get(code, [({}, f"code={SECRET}&token={SECRET}")])


def _body(code: str) -> bytes:
    paths = fixture_paths(code)
    return paths[0].read_bytes() if paths else b"{}"


@contextmanager
def structured_output() -> Iterator[io.StringIO]:
    """What the project's log formatter (JSON and console renderers) writes, root-wide."""
    stream = io.StringIO()
    handlers = []
    for json_logs in (True, False):
        config = dict(build_logging(json_logs=json_logs, level="INFO")["formatters"]["structured"])
        handler = logging.StreamHandler(stream)
        handler.setFormatter(config.pop("()")(**config))
        handlers.append(handler)
    root = logging.getLogger()
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield stream
    finally:
        for handler in handlers:
            root.removeHandler(handler)


def _assert_no_secret(caplog, stream: io.StringIO, what) -> None:
    assert caplog.records, f"nothing was logged for {what}: the test would prove nothing"
    for record in caplog.records:
        assert SECRET not in record.getMessage(), what
    assert SECRET not in caplog.text, what
    output = stream.getvalue()
    assert output and SECRET not in output, (what, output[-600:])


@pytest.mark.parametrize("code", sorted(registry.INBOUND_PROVIDERS))
def test_a_refused_request_logs_no_query_secret(tenant, code, caplog, settings):
    settings.DEBUG = False
    caplog.set_level(logging.INFO)
    refused = 0
    for config, query in _forms(code):
        for secret in (SECRET, "another-secret-0123456789"):  # the URL's secret, or not
            registration = WebhookRegistration.objects.create(
                tenant=tenant, provider=code, event_types=["*"], config=config, secret=secret
            )
            registry._cache.clear()
            url = f"{webhook_url(registration)}?{query}"
            for body in (_body(code), b"{not json"):
                for path, send in (("lean chain", call_wsgi), ("views", _full_stack)):
                    caplog.clear()
                    with structured_output() as stream:
                        status = send(SignedRequest("POST", url, {}, body)).status_code
                    what = (code, query, secret, body[:20], path, status)
                    if status < 400:  # only an authenticated, readable delivery
                        assert secret == SECRET and config and body != b"{not json", what
                        continue
                    assert status < 500, what
                    _assert_no_secret(caplog, stream, what)
                    refused += 1
    assert refused >= 4


def _full_stack(request):
    return post_signed(APIClient(), request)


def _get(url: str):
    return APIClient().get("/" + url.split("://", 1)[1].split("/", 1)[1])


def test_a_refused_handshake_and_unknown_urls_log_no_query_secret(tenant, caplog, settings):
    settings.DEBUG = False
    caplog.set_level(logging.INFO)
    meta = WebhookRegistration.objects.create(
        tenant=tenant, provider="meta", event_types=["*"], secret="app-secret-0123456789",
        config={"verify_token": "the-real-token"},
    )  # fmt: skip
    handshake = f"hub.mode=subscribe&hub.verify_token={SECRET}&hub.challenge=42"
    settings.CONNECTOR_WEBHOOK_TENANT = ""
    provider_endpoint._cache.clear()
    for method, url in (
        ("GET", f"{webhook_url(meta)}?{handshake}"),  # 403
        ("POST", f"http://testserver/webhooks/00000000-0000-0000-0000-000000000000?code={SECRET}"),
        ("POST", f"http://testserver/api/v1/connectors/dynamics/webhook?code={SECRET}"),
        ("GET", f"http://testserver/api/v1/connectors/dynamics/webhook?code={SECRET}&x=%00"),
    ):
        caplog.clear()
        with structured_output() as stream:
            request = SignedRequest(method, url, {}, b"{}")
            # GETs by Django's test client: the WSGI handler's request signals would close the
            # test's database connection.
            answer = call_wsgi(request) if method == "POST" else _get(url)
            status = answer.status_code
        assert 400 <= status < 500, (method, url, status)
        _assert_no_secret(caplog, stream, (method, url, status))


# --- a real granian, as the Procfile runs it ----------------------------------------------


def _procfile_granian_args(port: int) -> list[str]:
    """The Procfile's web command line after ``granian``, on this test's port, one worker."""
    args = procfile_web_command()[1:]
    for option, value in (("--host", "127.0.0.1"), ("--port", str(port)), ("--workers", "1")):
        args[args.index(option) + 1] = value
    return args


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise AssertionError(f"granian did not start:\n{log.read_text()[-3000:]}")


def test_granians_access_log_and_the_app_log_no_query_secret(db, tmp_path):
    from tests.worker import _database_url

    port = _free_port()
    log = tmp_path / "granian.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", DEBUG="false", LOG_FORMAT="json",
        SECRET_KEY="granian-test-" + "x" * 40, FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1", DATABASE_URL=_database_url(), REDIS_URL=settings.REDIS_URL,
        GRANIAN_LOG_ACCESS_FMT="%(path)s?%(query_string)s",  # the Procfile's format wins
    )  # fmt: skip
    granian = Path(sys.executable).parent / "granian"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(granian), *_procfile_granian_args(port)], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_for_port(port, process, log)
        unknown = "00000000-0000-0000-0000-000000000000"
        targets = [
            ("POST", f"/webhooks/{unknown}?code={SECRET}"),  # the lean chain
            ("POST", f"/api/v1/connectors/dynamics/webhook?token={SECRET}"),  # Django's views
            ("GET", f"/webhooks/{unknown}?hub.verify_token={SECRET}&hub.mode=subscribe"),
            ("POST", f"http://127.0.0.1:{port}/webhooks/{unknown}?apikey={SECRET}"),  # absolute
        ]
        for method, target in targets:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(method, target, body=b"{}", headers={"Host": "127.0.0.1"})
            assert 400 <= connection.getresponse().status < 500, target
            connection.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    output = log.read_text()
    access_lines = [line for line in output.splitlines() if f"/webhooks/{unknown}" in line]
    assert any('"POST /webhooks/' in line for line in access_lines), output[-2000:]
    assert any('"POST /api/v1/connectors/dynamics/webhook' in line for line in output.splitlines())
    assert any("Not Found" in line for line in output.splitlines()), output[-2000:]  # app log
    assert SECRET not in output, output[-3000:]
