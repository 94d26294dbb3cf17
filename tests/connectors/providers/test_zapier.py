"""Zapier inbound: Zaps sign nothing, so each registration's configured proof (a shared
header, HTTP Basic, or a URL token) is checked; free-form bodies parse into seed 002's types."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from connectors.providers import zapier
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
    VerifyContext,
)
from tests.connectors.providers.inbound_support import FIXTURES, URL, signed_request

SECRET = "zapier-shared-value-0123"
BODY = (FIXTURES / "zapier" / "webhook_received.json").read_bytes()


def _request(
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: bytes = BODY,
    content_type: str = "application/json",
) -> InboundRequest:
    return InboundRequest(
        method="POST",
        url=URL,
        headers={"content-type": content_type, **(headers or {})},
        query=query or {},
        body=body,
    )


def _context(config: dict[str, str], secret: str = SECRET) -> VerifyContext:
    return VerifyContext(secret=secret, config=config)


def _basic(credentials: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def test_without_auth_config_the_x_api_key_header_is_checked():
    zapier.verify(_request({"x-api-key": SECRET}), _context({}))
    with pytest.raises(SignatureInvalid, match="X-Api-Key does not match"):
        zapier.verify(_request({"x-api-key": SECRET + "x"}), _context({}))
    with pytest.raises(SignatureInvalid, match="missing X-Api-Key"):
        zapier.verify(_request(), _context({}))


def test_a_configured_header_name_is_the_one_checked():
    config = {"auth": "header", "header_name": "X-Zap-Secret"}
    zapier.verify(_request({"x-zap-secret": SECRET}), _context(config))
    with pytest.raises(SignatureInvalid, match="missing X-Zap-Secret"):
        zapier.verify(_request({"x-api-key": SECRET}), _context(config))


def test_http_basic_credentials_are_the_secret_user_and_password():
    config = {"auth": "basic"}
    zapier.verify(
        _request(_basic("zapier:s3cret:with:colons")), _context(config, "zapier:s3cret:with:colons")
    )
    with pytest.raises(SignatureInvalid, match="credentials does not match"):
        zapier.verify(_request(_basic("zapier:guess")), _context(config, "zapier:s3cret"))


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [(None, "missing Authorization"), ("Bearer abc", "not HTTP Basic"), ("Basic ***", "base64")],
)
def test_unusable_basic_credentials_are_refused(authorization, reason):
    headers = {"authorization": authorization} if authorization else {}
    with pytest.raises(SignatureInvalid, match=reason):
        zapier.verify(_request(headers), _context({"auth": "basic"}, "zapier:s3cret"))


def test_a_token_in_the_url_is_checked():
    config = {"auth": "token"}
    zapier.verify(_request(query={"token": SECRET}), _context(config))
    with pytest.raises(SignatureInvalid, match="token does not match"):
        zapier.verify(_request(query={"token": "guess"}), _context(config))
    with pytest.raises(SignatureInvalid, match="missing token"):
        zapier.verify(_request({"x-api-key": SECRET}), _context(config))


def test_an_unknown_auth_mode_or_missing_secret_refuses_everything():
    with pytest.raises(SignatureInvalid, match="unknown auth"):
        zapier.verify(_request({"x-api-key": SECRET}), _context({"auth": "hmac"}))
    with pytest.raises(SignatureInvalid, match="no secret"):
        zapier.verify(_request({"x-api-key": ""}), _context({}, secret=""))


def test_the_body_is_not_covered_by_any_zapier_proof():
    # What the scheme can and can't promise: a changed body with the right header passes.
    zapier.verify(_request({"x-api-key": SECRET}, body=BODY + b" "), _context({}))


def test_a_plain_zap_payload_is_webhook_received_keyed_by_its_id():
    [event] = zapier.parse(signed_request("zapier", BODY))
    assert event.event_type == "webhook_received"
    assert event.dedupe_key == event.object_id == "3f9c1b7e-52d4-4a8e-9b61-0c2d7e4f8a15"
    assert event.occurred_at == datetime(2024, 11, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("payload", "event_type"),
    [
        ({"event_type": "trigger_sent"}, "trigger_sent"),
        ({"event": "workflow_triggered"}, "workflow_triggered"),
        ({"type": "trigger_sent"}, "trigger_sent"),
        ({"event": "zap.triggered"}, "webhook_received"),
        ({"event_type": "customer_created", "type": "workflow_triggered"}, "workflow_triggered"),
        ({"event_type": 7}, "webhook_received"),
    ],
)
def test_a_field_naming_a_declared_type_picks_it(payload, event_type):
    [event] = zapier.parse(signed_request("zapier", json.dumps(payload).encode()))
    assert event.event_type == event_type


@pytest.mark.parametrize(
    ("payload", "key"),
    [
        ({"id": 81517, "event_id": "ev_1"}, "81517"),
        ({"event_id": "ev_1", "idempotency_key": "k"}, "ev_1"),
        ({"idempotency_key": "order-4821"}, "order-4821"),
        ({"id": "", "name": "Ada"}, None),
    ],
)
def test_the_payload_own_id_is_the_dedupe_key_else_a_hash(payload, key):
    [event] = zapier.parse(signed_request("zapier", json.dumps(payload).encode()))
    if key is None:
        assert event.dedupe_key.startswith("sha256:") and event.object_id == ""
    else:
        assert event.dedupe_key == key


def test_the_seed_002_envelope_keeps_its_type_and_data():
    body = (FIXTURES / "zapier" / "trigger_sent.json").read_bytes()
    [event] = zapier.parse(signed_request("zapier", body))
    assert event.event_type == "trigger_sent"
    assert event.payload["event_data"]["customer"]["id"] == "cust_12345"


def test_wrap_request_in_array_gives_one_event_per_item():
    items = [{"id": "a", "event": "trigger_sent"}, {"id": "b"}]
    events = zapier.parse(signed_request("zapier", json.dumps(items).encode()))
    assert [(e.event_type, e.dedupe_key) for e in events] == [
        ("trigger_sent", "a"),
        ("webhook_received", "b"),
    ]


def test_a_form_payload_is_read_as_its_fields():
    request = signed_request("zapier", b"id=lead_77&email=ada%40example.com&event=trigger_sent")
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    [event] = zapier.parse(request)
    assert (event.event_type, event.dedupe_key) == ("trigger_sent", "lead_77")
    assert event.payload["email"] == "ada@example.com"


@pytest.mark.parametrize("body", [b"{broken", b"12", b'["a", "b"]'], ids=["text", "scalar", "list"])
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        zapier.parse(_request(body=body))
