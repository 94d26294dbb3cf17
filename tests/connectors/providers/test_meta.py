"""Meta (Pages, Messenger, Instagram, lead ads): the X-Hub-Signature-256 scheme against the
published vector, the hub.challenge handshake, and the parsing of Page and Instagram webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors.providers import meta, whatsapp
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
    VerifyContext,
    hmac_hex,
)
from tests.connectors.providers.inbound_support import (
    FIXTURES,
    URL,
    context,
    load,
    signed_request,
)

# GitHub's published vector for X-Hub-Signature-256, the scheme Meta signs with too.
VECTOR_SECRET = "It's a Secret to Everybody"
VECTOR_BODY = b"Hello, World!"
VECTOR_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
PAGE = "1067280970047460"


def _request(body: bytes, headers: dict[str, str] | None = None, **kwargs) -> InboundRequest:
    return InboundRequest(
        method=kwargs.get("method", "POST"),
        url=kwargs.get("url", URL),
        headers={k.lower(): v for k, v in (headers or {}).items()},
        query=kwargs.get("query", {}),
        body=body,
    )


def _handshake_get(**query: str) -> InboundRequest:
    return _request(b"", method="GET", query=query)


def _json_request(payload) -> InboundRequest:
    return _request(json.dumps(payload).encode())


# --- signature ---------------------------------------------------------------------------


@pytest.mark.parametrize("module", [meta, whatsapp], ids=["meta", "whatsapp"])
def test_the_published_vector_verifies(module):
    request = _request(VECTOR_BODY, {"X-Hub-Signature-256": VECTOR_SIGNATURE})
    module.verify(request, VerifyContext(secret=VECTOR_SECRET))


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (VECTOR_SIGNATURE.replace("757107", "757108"), "does not match"),
        (VECTOR_SIGNATURE.removeprefix("sha256="), "not sha256="),
        ("sha1=" + VECTOR_SIGNATURE.removeprefix("sha256="), "not sha256="),
        ("sha256=", "not sha256="),
    ],
)
def test_a_wrong_or_misshapen_signature_is_refused(header, reason):
    request = _request(VECTOR_BODY, {"X-Hub-Signature-256": header})
    with pytest.raises(SignatureInvalid, match=reason):
        meta.verify(request, VerifyContext(secret=VECTOR_SECRET))


def test_upper_case_hex_is_the_same_signature():
    request = _request(
        VECTOR_BODY, {"X-Hub-Signature-256": "sha256=" + VECTOR_SIGNATURE[7:].upper()}
    )
    meta.verify(request, VerifyContext(secret=VECTOR_SECRET))


def test_only_the_sha1_header_is_refused():
    # Meta also sends the legacy X-Hub-Signature (SHA-1); the hub requires the SHA-256 one.
    request = _request(VECTOR_BODY, {"X-Hub-Signature": "sha1=abc"})
    with pytest.raises(SignatureInvalid, match="missing X-Hub-Signature-256"):
        meta.verify(request, VerifyContext(secret=VECTOR_SECRET))


def test_a_registration_without_a_secret_accepts_nothing():
    # HMAC with an empty key is computable by anyone.
    unsigned_key = hmac_hex("", VECTOR_BODY)
    request = _request(VECTOR_BODY, {"X-Hub-Signature-256": f"sha256={unsigned_key}"})
    with pytest.raises(SignatureInvalid, match="no app secret"):
        meta.verify(request, VerifyContext(secret=""))


def test_the_sandbox_signs_what_meta_verifies():
    path = FIXTURES / "meta" / "lead_generated.json"
    meta.verify(signed_request("meta", path.read_bytes()), context("meta"))


# --- handshake ---------------------------------------------------------------------------


def test_the_handshake_echoes_the_challenge_for_the_right_token():
    request = _handshake_get(
        **{
            "hub.mode": "subscribe",
            "hub.verify_token": "meta-verify",
            "hub.challenge": "1158201444",
        }
    )
    reply = meta.handshake(request, context("meta"))
    assert (reply.status, reply.body, reply.content_type) == (200, b"1158201444", "text/plain")
    assert reply.store_secret is None


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "not-it", "hub.challenge": "1158201444"},
        {"hub.mode": "subscribe", "hub.challenge": "1158201444"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "meta-verify", "hub.challenge": "11"},
        {"hub.mode": "subscribe", "hub.verify_token": "meta-verify"},
        {"hub.mode": "subscribe", "hub.verify_token": "meta-verify", "hub.challenge": "9" * 300},
    ],
    ids=["wrong-token", "no-token", "not-subscribe", "no-challenge", "oversized-challenge"],
)
def test_the_handshake_refuses_anything_else(query):
    reply = meta.handshake(_handshake_get(**query), context("meta"))
    assert reply.status == 403
    assert b"1158201444" not in reply.body


def test_a_registration_without_a_verify_token_refuses_every_handshake():
    request = _handshake_get(
        **{"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "7"}
    )
    assert meta.handshake(request, VerifyContext(secret="s", config={})).status == 403


def test_deliveries_and_bare_gets_are_not_handshakes():
    query = {"hub.mode": "subscribe", "hub.verify_token": "meta-verify", "hub.challenge": "7"}
    assert meta.handshake(_request(b"{}", query=query), context("meta")) is None
    assert meta.handshake(_handshake_get(), context("meta")) is None


# --- parsing -----------------------------------------------------------------------------


def _parse_fixture(name: str):
    (event,) = meta.parse(_request((FIXTURES / "meta" / f"{name}.json").read_bytes()))
    return event


def test_a_page_message_is_keyed_by_its_mid():
    event = _parse_fixture("page_message_received")
    mid = "m_Y2b0wXSDbcK5HjWHsm0Ww1qjQFt0HU1CvNEtBuY_FCo1tLUBCIe1ea0bxO8o8djHtIkiCU1xyNmCkYqt2V7i5Q"
    assert (event.event_type, event.dedupe_key) == ("page_message_received", mid)
    assert (event.object_type, event.object_id) == ("message", mid)
    # Messenger's timestamp is in milliseconds.
    assert event.occurred_at == datetime(2024, 11, 15, 16, 45, 0, 352000, tzinfo=UTC)
    assert event.payload == load(FIXTURES / "meta" / "page_message_received.json")


def test_a_lead_is_keyed_by_its_leadgen_id():
    event = _parse_fixture("lead_generated")
    assert (event.dedupe_key, event.object_type, event.object_id) == (
        "1028380368847452", "lead", "1028380368847452",
    )  # fmt: skip
    assert event.occurred_at == datetime.fromtimestamp(1731692405, tz=UTC)


def test_a_published_post_is_keyed_by_its_post_id():
    event = _parse_fixture("post_published")
    assert (event.dedupe_key, event.object_type) == (f"{PAGE}_122141503388294617", "post")
    assert event.occurred_at == datetime.fromtimestamp(1731691521, tz=UTC)


def test_an_instagram_mention_names_the_comment_or_else_the_media():
    event = _parse_fixture("instagram_mention")
    assert (event.dedupe_key, event.object_type) == ("17990637011604412", "comment")
    assert event.occurred_at == datetime.fromtimestamp(1731693012, tz=UTC)
    in_caption = {"field": "mentions", "value": {"media_id": "18034590212965291"}}
    body = {"object": "instagram", "entry": [{"id": "1784", "time": 1, "changes": [in_caption]}]}
    (caption,) = meta.parse(_json_request(body))
    assert (caption.event_type, caption.object_type) == ("instagram_mention", "media")
    assert caption.object_id == caption.dedupe_key == "18034590212965291"


def test_leadgen_ids_sent_as_numbers_read_as_text():
    change = {"field": "leadgen", "value": {"leadgen_id": 444444444444, "created_time": 1440120384}}
    body = {"object": "page", "entry": [{"id": PAGE, "time": 1440120385, "changes": [change]}]}
    (event,) = meta.parse(_json_request(body))
    assert event.dedupe_key == event.object_id == "444444444444"


def test_one_body_carries_every_entry_and_change_and_skips_what_is_not_an_event():
    message = load(FIXTURES / "meta" / "page_message_received.json")["entry"][0]
    lead = load(FIXTURES / "meta" / "lead_generated.json")["entry"][0]
    echo = {
        "sender": {"id": PAGE},
        "recipient": {"id": "7185294671544938"},
        "timestamp": 1731689200000,
        "message": {"mid": "m_echo", "is_echo": True, "app_id": 1517776481860111, "text": "Hi!"},
    }
    read = {"sender": {"id": "7185"}, "recipient": {"id": PAGE}, "read": {"watermark": 1}}
    comment = {"field": "feed", "value": {"item": "comment", "verb": "add", "post_id": "1_2"}}
    edit = {"field": "feed", "value": {"item": "status", "verb": "edited", "post_id": "1_3"}}
    second = {**message, "messaging": [*message["messaging"], echo, read]}
    lead_entry = {**lead, "changes": [*lead["changes"], comment, edit]}
    events = meta.parse(_json_request({"object": "page", "entry": [second, lead_entry]}))
    assert [e.event_type for e in events] == ["page_message_received", "lead_generated"]
    # Each event's payload is Meta's envelope with that one item, its entry's id and time kept.
    assert events[1].payload == {"object": "page", "entry": [lead]}
    assert events[0].payload["entry"][0]["messaging"] == message["messaging"]


def test_a_post_item_added_by_a_visitor_is_a_post_too():
    value = {"item": "post", "verb": "add", "post_id": f"{PAGE}_1", "created_time": 1700000000}
    body = {
        "object": "page",
        "entry": [{"id": PAGE, "time": 1, "changes": [{"field": "feed", "value": value}]}],
    }
    (event,) = meta.parse(_json_request(body))
    assert (event.event_type, event.object_id) == ("post_published", f"{PAGE}_1")


def test_instagram_direct_messages_are_messages_received():
    item = {
        "sender": {"id": "1254459154682919"},
        "recipient": {"id": "17841405309211844"},
        "timestamp": 1731689100352,
        "message": {
            "mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1MzA5MjExODQ0",
            "text": "hi",
        },
    }
    body = {
        "object": "instagram",
        "entry": [{"id": "17841405309211844", "time": 1, "messaging": [item]}],
    }
    (event,) = meta.parse(_json_request(body))
    assert event.event_type == "page_message_received"
    assert event.dedupe_key == item["message"]["mid"]


def test_whatsapp_and_unknown_objects_give_no_meta_events():
    wa = load(FIXTURES / "whatsapp" / "message_received.json")
    assert meta.parse(_json_request(wa)) == []
    assert (
        meta.parse(_json_request({"object": "user", "entry": [{"id": "1", "changes": []}]})) == []
    )


def test_a_list_of_envelopes_is_read_whole():
    bodies = [load(FIXTURES / "meta" / f"{n}.json") for n in ("lead_generated", "post_published")]
    events = meta.parse(_json_request(bodies))
    assert [e.event_type for e in events] == ["lead_generated", "post_published"]


def test_an_id_less_item_is_keyed_by_its_content():
    change = {"field": "leadgen", "value": {"form_id": "1175478333695211"}}
    body = {"object": "page", "entry": [{"id": PAGE, "time": 1, "changes": [change]}]}
    (event,) = meta.parse(_json_request(body))
    assert event.dedupe_key.startswith("sha256:") and event.object_id == ""


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'"page"',
        b"[1, 2]",
        b'{"object": "page"}',
        b'{"entry": []}',
        b'{"object": 1, "entry": []}',
    ],
    ids=["not-json", "string", "list-of-numbers", "no-entry", "no-object", "object-not-text"],
)
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        meta.parse(_request(body))


def test_odd_items_inside_a_valid_envelope_are_skipped_not_fatal():
    body = {
        "object": "page",
        "entry": ["x", {"id": PAGE, "messaging": "x", "changes": [1, {"field": "feed"}]}],
    }
    assert meta.parse(_json_request(body)) == []
