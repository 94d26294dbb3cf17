"""WhatsApp Business Cloud webhooks: Meta's signature and handshake with the WhatsApp
registration's settings, and messages and statuses parsed into seed 002's events."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from connectors.providers import whatsapp
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
    VerifyContext,
)
from tests.connectors.providers.inbound_support import FIXTURES, URL, context, load, signed_request

RECEIVED_ID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
SENT_ID = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3QTc4QjMyRTM3NjYxODRGMkYA"


def _request(body: bytes, *, method: str = "POST", query: dict | None = None) -> InboundRequest:
    return InboundRequest(method, URL, {}, query or {}, body)


def _json_request(payload) -> InboundRequest:
    return _request(json.dumps(payload).encode())


def _fixture(name: str) -> dict:
    return load(FIXTURES / "whatsapp" / f"{name}.json")


def _value(body: dict) -> dict:
    return body["entry"][0]["changes"][0]["value"]


def test_a_signed_delivery_verifies_and_another_apps_secret_does_not():
    request = signed_request("whatsapp", (FIXTURES / "whatsapp" / "message_read.json").read_bytes())
    whatsapp.verify(request, context("whatsapp"))
    with pytest.raises(SignatureInvalid, match="does not match"):
        whatsapp.verify(request, context("whatsapp", secret="meta-app-secret-0123456789"))


def test_the_handshake_answers_the_registrations_verify_token():
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "wa-verify",
        "hub.challenge": "1503287015",
    }
    reply = whatsapp.handshake(_request(b"", method="GET", query=query), context("whatsapp"))
    assert (reply.status, reply.body) == (200, b"1503287015")
    wrong = {**query, "hub.verify_token": "meta-verify"}  # another registration's token
    assert (
        whatsapp.handshake(_request(b"", method="GET", query=wrong), context("whatsapp")).status
        == 403
    )


def test_the_seeds_webhook_verify_token_name_is_understood():
    # Seed 002 configures WhatsApp with ``webhook_verify_token``.
    ctx = VerifyContext(secret="s", config={"webhook_verify_token": "your_webhook_token"})
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "your_webhook_token",
        "hub.challenge": "42",
    }
    assert whatsapp.handshake(_request(b"", method="GET", query=query), ctx).body == b"42"


def test_a_received_message_is_keyed_by_its_wamid():
    (event,) = whatsapp.parse(_json_request(_fixture("message_received")))
    assert (event.event_type, event.dedupe_key) == ("message_received", RECEIVED_ID)
    assert (event.object_type, event.object_id) == ("message", RECEIVED_ID)
    assert event.occurred_at == datetime(2025, 6, 8, 20, 59, 43, tzinfo=UTC)
    assert event.payload == _fixture("message_received")


@pytest.mark.parametrize(
    ("name", "event_type", "status"),
    [
        ("message_sent", "message_sent", "sent"),
        ("message_delivered", "message_delivered", "delivered"),
        ("message_read", "message_read", "read"),
    ],
)
def test_each_status_of_one_message_is_its_own_event(name, event_type, status):
    (event,) = whatsapp.parse(_json_request(_fixture(name)))
    assert event.event_type == event_type
    assert event.dedupe_key == f"{SENT_ID}:{status}"
    assert event.object_id == SENT_ID
    stamp = _value(_fixture(name))["statuses"][0]["timestamp"]
    assert event.occurred_at == datetime.fromtimestamp(int(stamp), tz=UTC)


def test_a_failed_status_is_a_status_update_with_its_errors():
    (event,) = whatsapp.parse(_json_request(_fixture("status_update")))
    assert event.event_type == "status_update"
    assert event.dedupe_key.endswith(":failed")
    assert _value(event.payload)["statuses"][0]["errors"][0]["code"] == 131050


@pytest.mark.parametrize("status", ["played", "deleted", "warning"])
def test_other_statuses_are_status_updates(status):
    body = _fixture("message_read")
    _value(body)["statuses"][0]["status"] = status
    (event,) = whatsapp.parse(_json_request(body))
    assert (event.event_type, event.dedupe_key) == ("status_update", f"{SENT_ID}:{status}")


def test_a_batch_gives_every_message_and_status_each_in_its_own_envelope():
    body = _fixture("message_received")
    value = _value(body)
    second = {
        **value["messages"][0],
        "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQ3RDVFMjM5QkFCMkNGRTQzOQA=",
    }
    value["messages"].append(second)
    value["statuses"] = _value(_fixture("message_delivered"))["statuses"]
    # A second entry: another phone number of the account, with a message of its own.
    other = copy.deepcopy(body["entry"][0])
    other_value = other["changes"][0]["value"]
    other_value["metadata"]["phone_number_id"] = "106540352242923"
    other_value["messages"] = [{**second, "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQ5QzE0MEEA"}]
    del other_value["statuses"]
    body["entry"].append(other)
    events = whatsapp.parse(_json_request(body))
    assert [e.event_type for e in events] == [
        "message_received", "message_received", "message_delivered", "message_received",
    ]  # fmt: skip
    assert len({e.dedupe_key for e in events}) == 4
    for event in events:
        narrowed = _value(event.payload)
        assert len(narrowed.get("messages", [])) + len(narrowed.get("statuses", [])) == 1
        assert narrowed["metadata"]["display_phone_number"] == "15550783881"
        assert narrowed["contacts"] == value["contacts"]
    assert _value(events[3].payload)["metadata"]["phone_number_id"] == "106540352242923"
    assert event.payload["entry"][0]["id"] == "102290129340398"


def test_a_list_of_envelopes_is_read_whole():
    events = whatsapp.parse(_json_request([_fixture("message_sent"), _fixture("message_read")]))
    assert [e.event_type for e in events] == ["message_sent", "message_read"]


def test_fields_without_messages_or_statuses_and_other_objects_give_nothing():
    template_update = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "time": 1749416800, "changes": [{
            "field": "message_template_status_update",
            "value": {"event": "APPROVED", "message_template_id": 1689556908129832,
                      "message_template_name": "order_confirmation",
                      "message_template_language": "en_US", "reason": "NONE"},
        }]}],
    }  # fmt: skip
    assert whatsapp.parse(_json_request(template_update)) == []
    page = load(FIXTURES / "meta" / "page_message_received.json")
    assert whatsapp.parse(_json_request(page)) == []


def test_an_id_less_message_is_keyed_by_its_content():
    body = _fixture("message_received")
    del _value(body)["messages"][0]["id"]
    (event,) = whatsapp.parse(_json_request(body))
    assert event.dedupe_key.startswith("sha256:") and event.object_id == ""


@pytest.mark.parametrize(
    "body", [b"", b"<xml/>", b"[null]", b'{"object": "whatsapp_business_account"}']
)
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        whatsapp.parse(_request(body))


def test_the_send_capability_and_seed_events_are_kept():
    assert whatsapp.DEFINITION.capability("messages.send") is not None
    assert whatsapp.DEFINITION.events == (
        "message_received", "message_sent", "message_delivered", "message_read", "status_update",
    )  # fmt: skip
