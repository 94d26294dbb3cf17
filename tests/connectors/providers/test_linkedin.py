"""LinkedIn inbound: X-LI-Signature under both readings of LinkedIn's text, the challengeCode
validation, and how lead and social-action pushes map onto seed 002's event types."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from connectors.providers import linkedin
from connectors.providers.inbound import InboundRequest, MalformedBody, SignatureInvalid
from tests.connectors.providers.inbound_support import (
    FIXTURES,
    SETUPS,
    URL,
    context,
    signed_request,
)

SECRET = SETUPS["linkedin"].secret
CHALLENGE = "890e4665-4dfe-4ab1-b689-ed553bceeed0"


def _fixture(name: str) -> bytes:
    return (FIXTURES / "linkedin" / f"{name}.json").read_bytes()


def _with_signature(body: bytes, signature: str) -> InboundRequest:
    return InboundRequest("POST", URL, {"x-li-signature": signature}, {}, body)


def _hex(message: bytes, key: str = SECRET) -> str:
    # Computed here with hashlib, apart from the module and the sandbox signer.
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("prefixed", [False, True], ids=["over-body", "over-hmacsha256-body"])
def test_both_readings_of_the_signature_verify(prefixed):
    body = _fixture("post_engagement")
    signed = (b"hmacsha256=" if prefixed else b"") + body
    linkedin.verify(_with_signature(body, _hex(signed)), context("linkedin"))
    linkedin.verify(signed_request("linkedin", body, prefixed=prefixed), context("linkedin"))


def test_an_uppercase_hex_signature_is_the_same_signature():
    body = _fixture("lead_generated")
    linkedin.verify(_with_signature(body, _hex(body).upper()), context("linkedin"))


@pytest.mark.parametrize(
    "signature",
    [
        _hex(b"hmacsha256="),  # the prefix alone: what an empty body would give
        _hex(_fixture("lead_generated"), key="another-client-secret"),
        "hmacsha256=" + _hex(_fixture("lead_generated")),  # the prefix belongs to the message
    ],
    ids=["other-body", "other-secret", "prefix-in-header"],
)
def test_anything_else_is_refused(signature):
    with pytest.raises(SignatureInvalid, match="does not match"):
        linkedin.verify(_with_signature(_fixture("lead_generated"), signature), context("linkedin"))


def test_a_registration_without_a_secret_refuses_everything():
    body = _fixture("lead_generated")
    with pytest.raises(SignatureInvalid, match="no client secret"):
        linkedin.verify(_with_signature(body, _hex(body, key="")), context("linkedin", secret=""))


def _challenge_request(query: dict[str, str], method: str = "GET") -> InboundRequest:
    return InboundRequest(method, f"{URL}?challengeCode={CHALLENGE}", {}, query, b"")


def test_the_challenge_is_answered_with_its_hmac():
    reply = linkedin.handshake(
        _challenge_request({"challengeCode": CHALLENGE}), context("linkedin")
    )
    assert reply is not None and reply.status == 200
    assert reply.content_type == "application/json"
    assert json.loads(reply.body) == {
        "challengeCode": CHALLENGE,
        "challengeResponse": _hex(CHALLENGE.encode()),
    }


def test_with_the_wrong_secret_the_answer_is_one_linkedin_rejects():
    reply = linkedin.handshake(
        _challenge_request({"challengeCode": CHALLENGE}), context("linkedin", secret="stale-secret")
    )
    assert reply is not None
    assert json.loads(reply.body)["challengeResponse"] != _hex(CHALLENGE.encode())


def test_the_parent_child_application_id_does_not_change_the_answer():
    query = {"challengeCode": CHALLENGE, "applicationId": "79281526"}
    reply = linkedin.handshake(_challenge_request(query), context("linkedin"))
    assert json.loads(reply.body)["challengeResponse"] == _hex(CHALLENGE.encode())


def test_other_requests_are_no_handshake():
    assert linkedin.handshake(_challenge_request({}), context("linkedin")) is None
    post = _challenge_request({"challengeCode": CHALLENGE}, method="POST")
    assert linkedin.handshake(post, context("linkedin")) is None
    with pytest.raises(SignatureInvalid):
        linkedin.handshake(
            _challenge_request({"challengeCode": CHALLENGE}), context("linkedin", secret="")
        )


def test_a_created_lead_is_lead_generated():
    [event] = linkedin.parse(signed_request("linkedin", _fixture("lead_generated")))
    lead = "urn:li:leadGenFormResponse:249592fc-d272-44ba-a7db-c2bdce579507-6"
    assert event.event_type == "lead_generated"
    assert event.dedupe_key == f"{lead}:CREATED"
    assert (event.object_type, event.object_id) == ("lead", lead)
    assert event.occurred_at == datetime(2023, 7, 20, 23, 9, 59, 288000, tzinfo=UTC)


def test_a_deleted_lead_is_skipped():
    notification = json.loads(_fixture("lead_generated")) | {"leadAction": "DELETED"}
    assert linkedin.parse(signed_request("linkedin", json.dumps(notification).encode())) == []


def test_each_social_action_is_one_post_engagement_keyed_by_its_notification_id():
    events = linkedin.parse(signed_request("linkedin", _fixture("post_engagement")))
    assert [(e.event_type, e.dedupe_key, e.payload["action"]) for e in events] == [
        ("post_engagement", "4406004", "COMMENT"),
        ("post_engagement", "4406011", "LIKE"),
    ]
    assert {e.object_id for e in events} == {"urn:li:share:7085342657227911168"}
    assert events[0].occurred_at == datetime(2023, 7, 14, 15, 6, 48, 932000, tzinfo=UTC)


def test_seed_002_envelopes_carry_the_types_linkedin_never_pushes():
    for name in ("campaign_updated", "connection_made"):
        [event] = linkedin.parse(signed_request("linkedin", _fixture(name)))
        assert event.event_type == name
        assert event.dedupe_key == json.loads(_fixture(name))["idempotency_key"]


def test_a_list_body_is_read_item_by_item():
    body = json.dumps(
        [json.loads(_fixture("lead_generated")), json.loads(_fixture("post_engagement"))]
    )
    events = linkedin.parse(signed_request("linkedin", body.encode()))
    assert [e.event_type for e in events] == [
        "lead_generated",
        "post_engagement",
        "post_engagement",
    ]


def test_an_undeclared_push_is_skipped():
    unknown = {"type": "MEMBER_PROFILE_UPDATE", "notifications": []}
    assert linkedin.parse(signed_request("linkedin", json.dumps(unknown).encode())) == []
    other_type = {"event_type": "page_message_received", "event_data": {}}
    assert linkedin.parse(signed_request("linkedin", json.dumps(other_type).encode())) == []


@pytest.mark.parametrize(
    "body",
    [
        b"{nope",
        b'"LEAD_ACTION"',
        b'{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}',
        b'{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS","notifications":[4406004]}',
    ],
    ids=["not-json", "scalar", "no-notifications", "notification-not-object"],
)
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        linkedin.parse(_with_signature(body, _hex(body)))
