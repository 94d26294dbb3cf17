"""The lean WSGI path for ``POST /webhooks/<uuid>`` answers exactly as Django's full stack:
the same statuses, bodies and headers; other requests go to the full stack."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from config.wsgi import application
from tests.webhooks.inbound.conftest import github_delivery, post_signed
from tests.webhooks.inbound.test_no_500s import BODIES, HEADERS, QUERY_NAMES
from webhooks.inbound import registry
from webhooks.inbound.answering import declared_length, inbound_request
from webhooks.inbound.direct import read_request, static_headers
from webhooks.inbound.models import InboundEvent
from webhooks.inbound.registrations import webhook_url
from webhooks.inbound.wsgi import lean_middleware, with_lean_receive

pytestmark = pytest.mark.django_db
PING = {"zen": "Design for failure.", "hook_id": 7, "hook": {"type": "Repository"}}


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.headers = dict(headers)
        self.body = body

    def json(self):
        return json.loads(self.body)


def call_wsgi(signed, *, method: str = "POST", **extra) -> Answer:
    """Send a signed request through the project's WSGI application, as gunicorn would."""
    path = "/" + signed.url.split("://", 1)[1].split("/", 1)[1]
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.headers.items()}
    meta.pop("HTTP_CONTENT_TYPE", None)
    environ = (
        RequestFactory()
        .generic(method, path, signed.body, content_type="application/json", **meta, **extra)
        .environ
    )
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen.update(status=status, headers=headers)

    body = b"".join(application(environ, start_response))
    return Answer(seen["status"], seen["headers"], body)


def full_stack(signed) -> object:
    return post_signed(APIClient(), signed)


def assert_same_answer(lean: Answer, full) -> None:
    assert lean.status_code == full.status_code
    assert lean.json() == full.json()
    assert set(lean.headers) == set(full.headers)  # values differ only in X-Request-Id
    for name in ("Content-Type", "Retry-After", "X-Frame-Options", "X-Content-Type-Options"):
        assert lean.headers.get(name) == full.headers.get(name)
    assert lean.headers["Content-Length"] == str(len(lean.body))


def test_a_delivery_is_stored_and_a_repeat_is_a_duplicate(github_registration):
    url = webhook_url(github_registration)
    signed = github_delivery(url, PING, delivery="lean-1")
    lean = call_wsgi(signed)
    assert lean.status_code == 202
    assert lean.json() == {"success": True, "accepted": 1, "duplicates": 0}
    assert_same_answer(
        call_wsgi(github_delivery(url, PING)), full_stack(github_delivery(url, PING))
    )
    again = call_wsgi(signed)
    assert again.json() == {"success": True, "accepted": 0, "duplicates": 1}
    assert_same_answer(again, full_stack(signed))
    assert InboundEvent.objects.filter(dedupe_key="lean-1").count() == 1


def test_refusals_match_the_full_stack_and_store_nothing(github_registration, settings):
    url = webhook_url(github_registration)
    forged = github_delivery(url, PING)
    forged.headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    unreadable = github_delivery(url, b"{not json")
    unknown = github_delivery(f"http://testserver/webhooks/{uuid.uuid4()}", PING)
    for signed, status in ((forged, 401), (unreadable, 400), (unknown, 404)):
        lean = call_wsgi(signed)
        assert lean.status_code == status
        assert_same_answer(lean, full_stack(signed))
    settings.INBOUND_MAX_BODY_BYTES = 100
    too_big = github_delivery(url, {"blob": "x" * 200})
    assert_same_answer(call_wsgi(too_big), full_stack(too_big))
    assert call_wsgi(too_big).status_code == 413
    assert not InboundEvent.objects.exists()


def test_the_rate_limit_answers_429_with_retry_after(github_registration, settings):
    settings.INBOUND_RATE_LIMIT_PER_SECOND = 0
    signed = github_delivery(webhook_url(github_registration), PING)
    lean = call_wsgi(signed)
    assert lean.status_code == 429 and lean.headers["Retry-After"] == "1"
    assert_same_answer(lean, full_stack(signed))


def test_a_host_outside_allowed_hosts_is_refused(github_registration, settings):
    settings.ALLOWED_HOSTS = ["hub.example.com"]
    signed = github_delivery(webhook_url(github_registration), PING)
    assert call_wsgi(signed, HTTP_HOST="evil.example.com").status_code == 400
    assert not InboundEvent.objects.exists()


def test_a_host_once_accepted_is_refused_when_the_settings_change(github_registration, settings):
    settings.ALLOWED_HOSTS = ["hub.example.com"]
    url = webhook_url(github_registration)
    assert call_wsgi(github_delivery(url, PING), HTTP_HOST="hub.example.com").status_code == 202
    settings.ALLOWED_HOSTS = ["other.example.com"]
    refused = call_wsgi(github_delivery(url, PING), HTTP_HOST="hub.example.com")
    assert refused.status_code == 400
    assert InboundEvent.objects.count() == 1


@pytest.mark.parametrize("script_name", ["", "/hub", "/hub/"])
def test_the_direct_path_reads_the_request_as_django_does(github_registration, script_name):
    signed = github_delivery(webhook_url(github_registration), PING)
    environ = RequestFactory().generic(
        "POST", f"/webhooks/{github_registration.id}", signed.body, "application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=00", HTTP_X_GITHUB_EVENT="ping", SCRIPT_NAME=script_name,
    ).environ  # fmt: skip
    direct = read_request(environ, declared_length(environ))
    environ["wsgi.input"] = type(environ["wsgi.input"])(signed.body)
    assert direct == inbound_request(WSGIRequest(environ))


def test_only_posts_to_a_webhook_url_take_the_lean_path(github_registration):
    passed_on = []

    def django_app(environ, start_response):
        passed_on.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        start_response("204 No Content", [])
        return [b""]

    app = with_lean_receive(django_app)
    receive_path = f"/webhooks/{github_registration.id}"
    others = [
        ("GET", receive_path),  # handshakes, and seed 001's registration resource
        ("DELETE", receive_path),
        ("POST", receive_path + "/health"),
        ("POST", "/webhooks"),
        ("POST", receive_path.upper()),  # the URLconf's uuid converter takes lower case only
        ("POST", "/api/v1/connectors/github/webhook"),
    ]
    for method, path in others:
        app(RequestFactory().generic(method, path).environ, lambda *args: None)
    assert passed_on == others
    unsigned = RequestFactory().generic("POST", receive_path, b"{}").environ
    lean = app(unsigned, lambda *args: None)
    assert json.loads(b"".join(lean))["success"] is False  # answered here: no signature
    assert len(passed_on) == len(others)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    code=st.sampled_from(sorted(registry.INBOUND_PROVIDERS)),
    body=BODIES,
    headers=HEADERS,
    query=st.dictionaries(st.sampled_from(QUERY_NAMES), st.text(max_size=20)),
)
def test_random_posts_never_produce_a_500_on_the_lean_path(
    registrations, code, body, headers, query
):
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    path = f"/webhooks/{registrations[code].id}?{urlencode(query)}"
    environ = RequestFactory().generic("POST", path, body, "application/json", **meta).environ
    seen = {}
    b"".join(application(environ, lambda status, headers: seen.update(status=status)))
    assert int(seen["status"].split()[0]) < 500, (code, seen["status"])


def test_the_direct_path_is_taken_with_the_project_middleware_and_only_then(settings):
    assert static_headers(lean_middleware()) is not None
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.webhooks.inbound.AnotherMiddleware"]
    assert static_headers(lean_middleware()) is None  # a middleware it doesn't know: the chain
    settings.MIDDLEWARE = settings.MIDDLEWARE[:-1]
    settings.SECURE_HSTS_SECONDS = 3600  # a header for secure requests only
    assert static_headers(lean_middleware()) is None


def test_a_query_string_takes_the_chain_and_answers_the_same(github_registration):
    url = webhook_url(github_registration) + "?source=github"
    signed = github_delivery(url, PING)
    lean = call_wsgi(signed, QUERY_STRING="source=github")
    assert lean.status_code == 202
    assert_same_answer(call_wsgi(github_delivery(url, PING), QUERY_STRING="x=1"),
                       full_stack(github_delivery(url, PING)))  # fmt: skip
    nul = github_delivery(url, PING)
    assert call_wsgi(nul, QUERY_STRING="x=%00").status_code == 400  # RefuseNulInUrlMiddleware


def test_a_database_failure_is_a_5xx_the_provider_retries(github_registration, monkeypatch):
    from django.db import OperationalError

    from webhooks.inbound import receiving

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(receiving, "store_events", unreachable)
    answer = call_wsgi(github_delivery(webhook_url(github_registration), PING))
    assert answer.status_code == 503
    assert answer.json()["success"] is False and "retry" in answer.json()["error"]
