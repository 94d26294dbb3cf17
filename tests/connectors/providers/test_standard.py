"""Standard Webhooks inbound: the libraries' published vector, secret rotation (several
signatures), Svix header names, unprefixed secrets, the timestamp window, and the payload's
own type kept as the event type."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from connectors.providers import standard
from connectors.providers.inbound import InboundRequest, MalformedBody, SignatureInvalid
from connectors.sandbox import webhooks as signers
from tests.connectors.providers.inbound_support import (
    FIXTURES,
    URL,
    context,
    signed_request,
    to_inbound,
)

# The standard-webhooks libraries' tests.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
PAYLOAD = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
OTHER_V1 = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
ED25519 = (
    "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="
)


def _request(signature: str = SIGNATURE, *, prefix: str = "webhook", body: bytes = PAYLOAD):
    return InboundRequest(
        method="POST",
        url=URL,
        headers={
            f"{prefix}-id": MSG_ID,
            f"{prefix}-timestamp": str(TIMESTAMP),
            f"{prefix}-signature": signature,
        },
        query={},
        body=body,
    )


def _at_vector_time(secret: str = SECRET):
    return context("standard", secret=secret, now=TIMESTAMP)


def test_the_published_vector_verifies():
    standard.verify(_request(), _at_vector_time())


def test_the_vector_with_another_body_is_refused():
    with pytest.raises(SignatureInvalid, match="does not match"):
        standard.verify(_request(body=b'{"test": 2432232315}'), _at_vector_time())


@pytest.mark.parametrize("skew", [301, -301])
def test_a_timestamp_outside_five_minutes_is_refused(skew):
    with pytest.raises(SignatureInvalid, match="tolerance"):
        standard.verify(_request(), context("standard", now=TIMESTAMP + skew))


@pytest.mark.parametrize(
    "header",
    [
        f"{OTHER_V1} {SIGNATURE}",
        f"{SIGNATURE} {OTHER_V1}",
        f"{ED25519} {SIGNATURE}",
    ],
    ids=["rotated-first", "rotated-last", "asymmetric-beside"],
)
def test_any_matching_v1_signature_is_enough(header):
    standard.verify(_request(header), _at_vector_time())


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (OTHER_V1, "does not match"),
        ("v1a," + SIGNATURE.removeprefix("v1,"), "no v1 signature"),
        ("v2," + SIGNATURE.removeprefix("v1,"), "no v1 signature"),
        (SIGNATURE.removeprefix("v1,"), "no v1 signature"),
    ],
    ids=["wrong-v1", "only-v1a", "unknown-version", "no-version"],
)
def test_no_matching_v1_signature_is_refused(header, reason):
    with pytest.raises(SignatureInvalid, match=reason):
        standard.verify(_request(header), _at_vector_time())


def test_svix_header_names_are_the_same_scheme():
    standard.verify(_request(prefix="svix"), _at_vector_time())


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_each_header_is_required(missing):
    request = _request()
    headers = {k: v for k, v in request.headers.items() if k != missing}
    bare = InboundRequest(request.method, request.url, headers, request.query, request.body)
    with pytest.raises(SignatureInvalid, match=f"missing {missing}"):
        standard.verify(bare, _at_vector_time())


def test_a_secret_without_prefix_is_used_as_its_utf8_bytes():
    secret = "seed-003-subscription-secret-0123"
    signed = to_inbound(signers.build("standard", URL, secret, PAYLOAD))
    standard.verify(signed, context("standard", secret=secret))
    # ... which is what the reference library does with those bytes.
    library = Webhook(secret.encode()).sign(MSG_ID, datetime.fromtimestamp(TIMESTAMP, UTC), "{}")
    standard.verify(
        _request(library, body=b"{}"), context("standard", secret=secret, now=TIMESTAMP)
    )


def test_what_the_reference_library_signs_verifies():
    body = (FIXTURES / "standard" / "contact.created.json").read_text()
    signature = Webhook(SECRET).sign(MSG_ID, datetime.fromtimestamp(TIMESTAMP, UTC), body)
    standard.verify(_request(signature, body=body.encode()), _at_vector_time())


def test_a_whsec_secret_that_is_not_base64_is_refused():
    with pytest.raises(SignatureInvalid, match="base64"):
        standard.verify(_request(), _at_vector_time(secret="whsec_not*base64"))


def test_a_registration_without_a_secret_refuses_everything():
    with pytest.raises(SignatureInvalid, match="no signing secret"):
        standard.verify(_request(), _at_vector_time(secret=""))


def _parse_one(name: str, **options):
    body = (FIXTURES / "standard" / f"{name}.json").read_bytes()
    [event] = standard.parse(signed_request("standard", body, **options))
    return event


def test_the_message_id_is_the_dedupe_key():
    event = _parse_one("contact.created", msg_id="msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
    assert event.dedupe_key == "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
    assert (event.object_type, event.object_id) == (
        "contact",
        "1f81eb52-5198-4599-803e-771906343485",
    )
    assert event.occurred_at == datetime(2022, 11, 3, 20, 26, 10, 344522, tzinfo=UTC)


def test_resend_names_its_time_created_at_and_its_object_email_id():
    event = _parse_one("email.delivered")
    assert (event.object_type, event.object_id) == ("email", "56761188-7520-42d8-8898-ff6fc54ce618")
    assert event.occurred_at == datetime(2023, 2, 22, 23, 41, 12, 126000, tzinfo=UTC)


def test_clerk_sends_epoch_milliseconds_and_names_its_object():
    event = _parse_one("user.created")
    assert (event.object_type, event.object_id) == ("user", "user_29w83sxmDNGwOuEthce5gg56FcC")
    assert event.occurred_at == datetime(2022, 5, 31, 15, 56, 31, 835000, tzinfo=UTC)


def test_an_undeclared_type_is_kept_as_sent():
    body = json.dumps({"type": "invoice.paid", "data": {"id": "in_1MtHbELkdIwHu7ixl4OzzPMv"}})
    [event] = standard.parse(signed_request("standard", body.encode(), timestamp=TIMESTAMP))
    assert (event.event_type, event.object_type) == ("invoice.paid", "invoice")
    # Without a time in the payload, the delivery's own timestamp stands in.
    assert event.occurred_at == datetime.fromtimestamp(TIMESTAMP, UTC)


def test_a_payload_without_a_type_is_skipped():
    assert standard.parse(signed_request("standard", b'{"data": {"id": "x"}}')) == []


def test_a_list_body_gets_one_key_per_item():
    items = [{"type": "user.created", "data": {"id": "a"}}, {"type": "user.deleted", "data": {}}]
    events = standard.parse(signed_request("standard", json.dumps(items).encode(), msg_id="msg_1"))
    assert [(e.event_type, e.dedupe_key) for e in events] == [
        ("user.created", "msg_1:0"),
        ("user.deleted", "msg_1:1"),
    ]


@pytest.mark.parametrize("body", [b"not json", b"42", b'["a"]'], ids=["text", "scalar", "list"])
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        standard.parse(signed_request("standard", body))
