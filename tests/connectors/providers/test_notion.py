"""Notion inbound: the published vector, seed 001's timestamped variant, the one-time
verification handshake (and who may set the key), and Notion's event shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors.providers import notion
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
    VerifyContext,
)
from connectors.sandbox.webhooks import notion_signature
from tests.connectors.providers.inbound_support import FIXTURES, signed_request
from webhooks.inbound.registrations import _generated_secret

TOKEN = "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"
VERIFICATION_BODY = b'{"verification_token":"' + TOKEN.encode() + b'"}'
PUBLISHED_SIGNATURE = "sha256=461e8cbcba8a75c3edd866f0e71280f5a85cbf21eff040ebd10fe266df38a735"
NOW = 1_733_443_000.0


def request(body: bytes, headers: dict[str, str] | None = None, method="POST") -> InboundRequest:
    return InboundRequest(
        method=method,
        url="https://hub.example.com/webhooks/notion",
        headers={k.lower(): v for k, v in (headers or {}).items()},
        query={},
        body=body,
    )


def context(secret: str = TOKEN, now: float = NOW) -> VerifyContext:
    return VerifyContext(secret=secret, now=now)


def fixture(name: str) -> bytes:
    return (FIXTURES / "notion" / name).read_bytes()


# --- verify --------------------------------------------------------------------------------


def test_published_vector_verifies():
    notion.verify(
        request(VERIFICATION_BODY, {"X-Notion-Signature": PUBLISHED_SIGNATURE}), context()
    )


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-Notion-Signature": PUBLISHED_SIGNATURE.removeprefix("sha256=")}, "does not match"),
        ({"X-Notion-Signature": "sha256=" + "0" * 64}, "does not match"),
        ({}, "missing X-Notion-Signature"),
    ],
)
def test_refused_signatures(headers, reason):
    with pytest.raises(SignatureInvalid, match=reason):
        notion.verify(request(VERIFICATION_BODY, headers), context())


def test_no_token_yet_means_nothing_verifies():
    with pytest.raises(SignatureInvalid, match="no verification token"):
        notion.verify(
            request(b"{}", {"X-Notion-Signature": notion_signature("", b"{}")}), context("")
        )


def test_timestamped_variant_signs_timestamp_dot_body_within_the_tolerance():
    body = fixture("page.created.json")
    signed = {
        "X-Notion-Signature": notion_signature(TOKEN, body, int(NOW)),
        "X-Notion-Request-Timestamp": str(int(NOW)),
    }
    notion.verify(request(body, signed), context())
    with pytest.raises(SignatureInvalid, match="tolerance"):
        notion.verify(request(body, signed), context(now=NOW + 301))
    # Without its timestamp header the signature is checked as a body-only one, and fails.
    bare = {"X-Notion-Signature": signed["X-Notion-Signature"]}
    with pytest.raises(SignatureInvalid, match="does not match"):
        notion.verify(request(body, bare), context())
    # A body-only signature can't be passed off with a fresh timestamp.
    fresh = {"X-Notion-Signature": notion_signature(TOKEN, body), "X-Notion-Request-Timestamp":
             str(int(NOW))}  # fmt: skip
    with pytest.raises(SignatureInvalid, match="does not match"):
        notion.verify(request(body, fresh), context())


def test_the_sandboxs_timestamped_request_verifies():
    signed = signed_request("notion", fixture("comment.created.json"), timestamped=True)
    assert "x-notion-request-timestamp" in signed.headers
    notion.verify(signed, VerifyContext(secret=TOKEN, now=datetime.now(UTC).timestamp()))


# --- handshake -----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["", "whsec_e3Zq0xv2T1c8nJ4yH6kP5rW7sA9dF0gB1hN2mL3oQ4"])
def test_the_verification_token_is_stored_while_none_is(secret):
    reply = notion.handshake(request(VERIFICATION_BODY), context(secret))
    assert reply is not None
    assert (reply.status, reply.store_secret) == (200, TOKEN)


def test_the_hubs_generated_secret_is_what_the_handshake_takes_for_a_placeholder():
    assert _generated_secret("notion").startswith(notion.HUB_PLACEHOLDER_PREFIX)
    assert not TOKEN.startswith(notion.HUB_PLACEHOLDER_PREFIX)


def test_once_a_token_is_stored_a_verification_body_cant_replace_it():
    intruder = b'{"verification_token":"secret_attackerAttackerAttackerAttacker0000"}'
    assert notion.handshake(request(intruder), context(TOKEN)) is None
    # It is then an ordinary request: unsigned, so refused (and counted) by verify.
    with pytest.raises(SignatureInvalid, match="missing X-Notion-Signature"):
        notion.verify(request(intruder), context(TOKEN))
    # The right token re-sent is no exception: the key is set, only signed requests pass.
    assert notion.handshake(request(VERIFICATION_BODY), context(TOKEN)) is None


@pytest.mark.parametrize(
    ("body", "method"),
    [
        (b'{"verification_token":"secret_x","type":"page.created"}', "POST"),
        (b'{"verification_token":""}', "POST"),
        (b'{"verification_token":42}', "POST"),
        (b'[{"verification_token":"secret_x"}]', "POST"),
        (b"verification_token=secret_x", "POST"),
        (VERIFICATION_BODY, "GET"),
    ],
)
def test_only_exactly_notions_verification_request_is_a_handshake(body, method):
    assert notion.handshake(request(body, method=method), context("")) is None


# --- parse ---------------------------------------------------------------------------------


def test_a_page_created_event():
    [event] = notion.parse(request(fixture("page.created.json")))
    assert event.event_type == "page.created"
    assert event.dedupe_key == "367cba44-b6f3-4c92-81e7-6a2e9659efd4"
    assert (event.object_type, event.object_id) == ("page", "153104cd-477e-809d-8dc4-ff2d96ae3090")
    assert event.occurred_at == datetime(2024, 12, 5, 23, 55, 34, 285000, tzinfo=UTC)


def test_a_comment_names_the_comment_and_a_retry_keeps_the_key():
    item = json.loads(fixture("comment.created.json"))
    [first] = notion.parse(request(json.dumps(item).encode()))
    [again] = notion.parse(request(json.dumps(dict(item, attempt_number=4)).encode()))
    assert (first.object_type, first.object_id) == (
        "comment",
        "153104cd-477e-80ca-8f75-001d9e2b6839",
    )
    assert first.dedupe_key == again.dedupe_key == "c6780f24-10b7-4f42-a6fd-230b6cf7ad69"
    del item["id"]
    keys = {
        notion.parse(request(json.dumps(dict(item, attempt_number=n)).encode()))[0].dedupe_key
        for n in (1, 2)
    }
    assert len(keys) == 1 and next(iter(keys)).startswith("sha256:")


def test_undeclared_types_are_skipped_and_the_data_source_rename_is_mapped():
    item = json.loads(fixture("database.schema_updated.json"))
    batch = [
        dict(item, type="page.moved", id="e1"),
        dict(item, type="database.created", id="e2"),
        dict(item, type="data_source.schema_updated", id="e3",
             entity={"id": "2a1104cd-477e-80e1-8571-cfd10e92339a", "type": "data_source"}),
        {"verification_token": TOKEN},
    ]  # fmt: skip
    events = notion.parse(request(json.dumps(batch).encode()))
    assert [(e.event_type, e.object_type, e.dedupe_key) for e in events] == [
        ("database.schema_updated", "data_source", "e3")
    ]


@pytest.mark.parametrize("body", [b"", b"page.created", b"1", b'"x"', b'[{"id":"a"}, "b"]'])
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        notion.parse(request(body))
