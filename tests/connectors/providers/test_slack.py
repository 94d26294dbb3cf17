"""Slack inbound: the published signing vector, the timestamp window, url_verification, and
what the Events API envelope parses into."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors.providers import slack
from connectors.providers.inbound import InboundRequest, MalformedBody, SignatureInvalid
from connectors.sandbox import webhooks as signers
from tests.connectors.providers.inbound_support import (
    FIXTURES,
    SETUPS,
    URL,
    context,
    signed_request,
    to_inbound,
)

SECRET = SETUPS["slack"].secret
# Slack's "Verifying requests from Slack" page (and slack_sdk's tests): a slash command.
VECTOR_TIMESTAMP = 1531420618
VECTOR_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
VECTOR_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def _vector_request(body: bytes = VECTOR_BODY) -> InboundRequest:
    return InboundRequest(
        method="POST",
        url=URL,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": str(VECTOR_TIMESTAMP),
            "x-slack-signature": VECTOR_SIGNATURE,
        },
        query={},
        body=body,
    )


def _fixture(name: str) -> bytes:
    return (FIXTURES / "slack" / f"{name}.json").read_bytes()


def test_the_published_vector_verifies():
    slack.verify(_vector_request(), context("slack", now=VECTOR_TIMESTAMP))


def test_the_published_vector_with_one_byte_changed_is_refused():
    with pytest.raises(SignatureInvalid, match="does not match"):
        slack.verify(_vector_request(VECTOR_BODY + b"x"), context("slack", now=VECTOR_TIMESTAMP))


@pytest.mark.parametrize("skew", [301, -301])
def test_a_timestamp_outside_five_minutes_is_refused(skew):
    with pytest.raises(SignatureInvalid, match="tolerance"):
        slack.verify(_vector_request(), context("slack", now=VECTOR_TIMESTAMP + skew))


def test_a_timestamp_at_the_edge_of_the_window_is_accepted():
    slack.verify(_vector_request(), context("slack", now=VECTOR_TIMESTAMP + 300))


def test_a_registration_without_a_secret_refuses_everything():
    with pytest.raises(SignatureInvalid, match="no signing secret"):
        slack.verify(_vector_request(), context("slack", secret="", now=VECTOR_TIMESTAMP))


def test_url_verification_is_verified_then_echoes_the_challenge():
    body = json.dumps(
        {
            "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    reply = slack.handshake(signed_request("slack", body), context("slack"))
    assert reply is not None and reply.status == 200
    assert reply.content_type == "application/json"
    assert json.loads(reply.body) == {
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    }


def test_url_verification_signed_with_another_secret_is_refused():
    body = b'{"type":"url_verification","challenge":"abc","token":"t"}'
    request = to_inbound(signers.build("slack", URL, "someone-elses-secret", body))
    with pytest.raises(SignatureInvalid):
        slack.handshake(request, context("slack"))


def test_url_verification_without_a_challenge_is_a_bad_request():
    with pytest.raises(MalformedBody):
        slack.handshake(signed_request("slack", b'{"type":"url_verification"}'), context("slack"))


def test_an_event_callback_is_no_handshake():
    assert slack.handshake(signed_request("slack", _fixture("message")), context("slack")) is None


def test_ssl_check_is_answered_with_an_empty_200():
    request = signed_request("slack", b"ssl_check=1&token=xyzz0WbapA4vBCDEFasx0q6G")
    reply = slack.handshake(request, context("slack"))
    assert reply is not None and (reply.status, reply.body) == (200, b"")


def test_a_message_parses_with_its_event_id_channel_and_time():
    [event] = slack.parse(signed_request("slack", _fixture("message")))
    assert event.event_type == "message"
    assert event.dedupe_key == "Ev06SQ7F9B0K"
    assert (event.object_type, event.object_id) == ("message", "C024BE91L:1712137264.712919")
    assert event.occurred_at == datetime(2024, 4, 3, 9, 41, 4, tzinfo=UTC)
    assert event.payload["event"]["text"] == "Live long and prospect."


def test_a_reaction_is_about_the_message_it_was_added_to():
    [event] = slack.parse(signed_request("slack", _fixture("reaction_added")))
    assert (event.object_type, event.object_id) == ("message", "C024BE91L:1712137264.712919")


def test_a_member_joining_is_about_the_channel():
    [event] = slack.parse(signed_request("slack", _fixture("member_joined_channel")))
    assert (event.object_type, event.object_id) == ("channel", "C024BE91L")


def test_a_list_of_envelopes_gives_one_event_each():
    envelopes = [json.loads(_fixture("message")), json.loads(_fixture("app_mention"))]
    events = slack.parse(signed_request("slack", json.dumps(envelopes).encode()))
    assert [(e.event_type, e.dedupe_key) for e in events] == [
        ("message", "Ev06SQ7F9B0K"),
        ("app_mention", "Ev06SQ8J2D4M"),
    ]


def test_an_envelope_without_event_id_falls_back_to_a_body_hash():
    envelope = json.loads(_fixture("message"))
    del envelope["event_id"]
    [event] = slack.parse(signed_request("slack", json.dumps(envelope).encode()))
    assert event.dedupe_key.startswith("sha256:")


def test_an_undeclared_event_type_is_skipped():
    envelope = json.loads(_fixture("message"))
    envelope["event"] = {"type": "channel_created", "channel": {"id": "C06T2AJ8Z1B"}}
    assert slack.parse(signed_request("slack", json.dumps(envelope).encode())) == []


def test_url_verification_and_rate_limit_notices_carry_no_events():
    for body in (
        b'{"type":"url_verification","challenge":"abc","token":"t"}',
        b'{"token":"t","type":"app_rate_limited","team_id":"T061EG9R6","minute_rate_limited":1518467820,"api_app_id":"A0PNCHHK2"}',
    ):
        assert slack.parse(signed_request("slack", body)) == []


def test_a_slash_command_is_verified_but_is_no_events_api_event():
    request = _vector_request()
    slack.verify(request, context("slack", now=VECTOR_TIMESTAMP))
    assert slack.parse(request) == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'"a string"', b"[1, 2]", b'{"type":"event_callback","event_id":"Ev1"}'],
    ids=["not-json", "scalar", "list-of-scalars", "callback-without-event"],
)
def test_unreadable_bodies_are_malformed(body):
    request = signed_request("slack", body)
    # Sent as JSON: a form-encoded body is a slash command, not an Events API callback.
    as_json = InboundRequest(
        request.method, request.url, {**request.headers, "content-type": "application/json"},
        request.query, request.body,
    )  # fmt: skip
    with pytest.raises(MalformedBody):
        slack.parse(as_json)
