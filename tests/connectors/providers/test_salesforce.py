"""Salesforce inbound: seed 000's and seed 001's signature headers, and seed 001's callout body
(one object or a list) parsed into ``Contact.<action>`` events."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from connectors.providers import salesforce
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
    VerifyContext,
    body_key,
)
from tests.connectors.providers.inbound_support import FIXTURES, SETUPS, signed_request

SECRET = SETUPS["salesforce"].secret


def request(body: bytes, headers: dict[str, str] | None = None) -> InboundRequest:
    return InboundRequest(
        method="POST",
        url="https://hub.example.com/webhooks/sf",
        headers={k.lower(): v for k, v in (headers or {}).items()},
        query={},
        body=body,
    )


def fixture(name: str) -> bytes:
    return (FIXTURES / "salesforce" / name).read_bytes()


def hex_hmac(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


CONTEXT = VerifyContext(secret=SECRET)


@pytest.mark.parametrize("variant", ["000", "001"])
def test_both_seed_variants_from_the_sandbox_verify(variant):
    signed = signed_request("salesforce", fixture("Contact.created.json"), variant=variant)
    header = "x-salesforce-event-signature" if variant == "001" else "x-salesforce-signature"
    assert header in signed.headers
    salesforce.verify(signed, CONTEXT)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Salesforce-Signature": hex_hmac(b"{}")},
        {"X-Salesforce-Signature": hex_hmac(b"{}").upper()},
        {"X-Salesforce-Event-Signature": "sha256=" + hex_hmac(b"{}")},
        {"X-Salesforce-Event-Signature": "SHA256=" + hex_hmac(b"{}")},
    ],
)
def test_signature_spellings(headers):
    salesforce.verify(request(b"{}", headers), CONTEXT)


@pytest.mark.parametrize(
    ("headers", "secret", "reason"),
    [
        ({"X-Salesforce-Signature": hex_hmac(b"{}", "other")}, SECRET, "does not match"),
        ({"X-Salesforce-Event-Signature": "sha256=" + "0" * 64}, SECRET, "does not match"),
        ({}, SECRET, "missing"),
        ({"X-Salesforce-Signature": hex_hmac(b"{}", "")}, "", "no secret"),
    ],
)
def test_refused(headers, secret, reason):
    with pytest.raises(SignatureInvalid, match=reason):
        salesforce.verify(request(b"{}", headers), VerifyContext(secret=secret))


def test_a_created_contact():
    [event] = salesforce.parse(request(fixture("Contact.created.json")))
    assert event.event_type == "Contact.created"
    assert (event.object_type, event.object_id) == ("Contact", "0035g00000LqX8bAAF")
    assert event.dedupe_key == "Contact:0035g00000LqX8bAAF:created:2024-11-15T09:15:00.000+0000"
    assert event.occurred_at == datetime(2024, 11, 15, 9, 15, tzinfo=UTC)
    assert event.payload["sobject"]["fields"]["Email"] == "ada.lovelace@example.com"


def test_a_list_body_is_one_event_per_item():
    events = salesforce.parse(request(fixture("Contact.updated.json")))
    assert [(e.event_type, e.object_id) for e in events] == [
        ("Contact.updated", "0035g00000LqX8bAAF"),
        ("Contact.updated", "0035g00000LqX9cAAF"),
    ]
    assert len({e.dedupe_key for e in events}) == 2


def test_dedupe_key_prefers_the_events_own_id_then_systemmodstamp_then_a_hash():
    item = json.loads(fixture("Contact.deleted.json"))
    with_replay = dict(item, event={"replayId": 18342})
    assert salesforce.parse(request(json.dumps(with_replay).encode()))[0].dedupe_key == "18342"
    with_id = dict(item, eventId="e-0001", replayId=5)
    assert salesforce.parse(request(json.dumps(with_id).encode()))[0].dedupe_key == "e-0001"
    fields = item["sobject"]["fields"]
    del fields["LastModifiedDate"]
    [event] = salesforce.parse(request(json.dumps(item).encode()))
    assert event.dedupe_key == "Contact:0035g00000LqX9cAAF:deleted:2024-11-20T10:44:09.000+0000"
    del fields["SystemModstamp"]
    [event] = salesforce.parse(request(json.dumps(item).encode()))
    assert event.dedupe_key == body_key(item)
    assert event.occurred_at is None


def test_action_spellings_and_undeclared_events():
    def item(name: str, action: str) -> dict:
        return {"action": action, "sobject": {"name": name, "fields": {"Id": f"{name}-{action}"}}}

    batch = [
        item("Contact", "Update"),
        item("Contact", "insert"),
        item("Contact", "undeleted"),
        item("Account", "created"),
        {"action": "created"},
        {"action": "created", "sobject": "Contact"},
    ]
    events = salesforce.parse(request(json.dumps(batch).encode()))
    assert [e.event_type for e in events] == ["Contact.updated", "Contact.created"]


@pytest.mark.parametrize("body", [b"<soapenv:Envelope/>", b"42", b'"x"', b'[{"action": 1}, 2]'])
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        salesforce.parse(request(body))
