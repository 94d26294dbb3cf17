"""HubSpot inbound: every published vector (PROVIDERS.md) through ``verify``, v3's timestamp,
seed 000's variant, and what ``parse`` makes of the Webhooks API's lists and a workflow's
contact record."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

from connectors.providers import hubspot
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
    VerifyContext,
    body_key,
)
from tests.connectors.providers.inbound_support import FIXTURES, signed_request

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
V1_BODY = (
    b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
    b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
)
SDK_BODY = b"{'example_field':'example_value'}"
URI = "https://www.example.com/webhook_uri"
SDK_TIMESTAMP = "15000000"  # milliseconds: 15,000 s after the epoch


def request(body: bytes, headers: dict[str, str], *, method="POST", url=URI) -> InboundRequest:
    return InboundRequest(
        method=method,
        url=url,
        headers={k.lower(): v for k, v in headers.items()},
        query=dict(parse_qsl(urlsplit(url).query)),
        body=body,
    )


def context(*, secret: str = SECRET, now: float = 0.0) -> VerifyContext:
    return VerifyContext(secret=secret, now=now)


def fixture(name: str) -> bytes:
    return (FIXTURES / "hubspot" / name).read_bytes()


def v3_signature(method: str, uri: str, body: bytes, timestamp: str) -> str:
    signed = f"{method}{uri}".encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(SECRET.encode(), signed, hashlib.sha256).digest()).decode()


# --- the published vectors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "version", "signature", "method"),
    [
        pytest.param(
            V1_BODY, "v1", "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de",
            "POST", id="docs-v1",
        ),
        pytest.param(
            b"", "v2", "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e",
            "GET", id="docs-v2-get-empty-body",
        ),
        pytest.param(
            SDK_BODY, "v1", "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750",
            "POST", id="sdk-v1",
        ),
        pytest.param(
            SDK_BODY, "v2", "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383",
            "POST", id="sdk-v2",
        ),
    ],
)  # fmt: skip
def test_published_v1_and_v2_vectors_verify(body, version, signature, method):
    headers = {"X-HubSpot-Signature": signature, "X-HubSpot-Signature-Version": version}
    hubspot.verify(request(body, headers, method=method), context())
    with pytest.raises(SignatureInvalid, match="does not match"):
        hubspot.verify(request(body, headers, method=method), context(secret="another-secret"))


def test_published_v3_vector_verifies_at_its_timestamp():
    headers = {
        "X-HubSpot-Signature-v3": "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=",
        "X-HubSpot-Request-Timestamp": SDK_TIMESTAMP,
    }
    hubspot.verify(request(SDK_BODY, headers), context(now=15_000))
    hubspot.verify(request(SDK_BODY, headers), context(now=15_000 + 300))
    with pytest.raises(SignatureInvalid, match="tolerance"):
        hubspot.verify(request(SDK_BODY, headers), context(now=15_000 + 301))
    with pytest.raises(SignatureInvalid, match="does not match"):
        hubspot.verify(request(SDK_BODY + b" ", headers), context(now=15_000))


def test_v2_signs_the_uri_as_requested_query_order_included():
    url = URI + "?b=2&a=1"
    signed = hashlib.sha256(f"{SECRET}POST{url}".encode() + SDK_BODY).hexdigest()
    headers = {"X-HubSpot-Signature": signed, "X-HubSpot-Signature-Version": "v2"}
    hubspot.verify(request(SDK_BODY, headers, url=url), context())
    with pytest.raises(SignatureInvalid):
        hubspot.verify(request(SDK_BODY, headers, url=URI + "?a=1&b=2"), context())


# --- v3 first, and its timestamp -----------------------------------------------------------


def test_v3_wins_over_the_older_header_hubspot_sends_beside_it():
    v1 = "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    good_v3 = v3_signature("POST", URI, V1_BODY, "1700000000000")
    both = {
        "X-HubSpot-Signature": v1,
        "X-HubSpot-Signature-Version": "v1",
        "X-HubSpot-Request-Timestamp": "1700000000000",
    }
    hubspot.verify(
        request(V1_BODY, both | {"X-HubSpot-Signature-v3": good_v3}), context(now=1_700_000_000)
    )
    # A valid v1 can't rescue a wrong v3: v1 would let an old request be replayed.
    with pytest.raises(SignatureInvalid):
        hubspot.verify(
            request(V1_BODY, both | {"X-HubSpot-Signature-v3": "bm90IGl0"}),
            context(now=1_700_000_000),
        )
    # Nor a stale one.
    with pytest.raises(SignatureInvalid, match="tolerance"):
        hubspot.verify(
            request(V1_BODY, both | {"X-HubSpot-Signature-v3": good_v3}),
            context(now=1_700_000_000 + 3600),
        )


def test_v3_without_its_timestamp_is_refused():
    headers = {"X-HubSpot-Signature-v3": "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="}
    with pytest.raises(SignatureInvalid, match="X-HubSpot-Request-Timestamp"):
        hubspot.verify(request(SDK_BODY, headers), context(now=15_000))


@pytest.mark.parametrize("signed_uri", ["raw", "decoded"])
def test_v3_uri_with_escapes_verifies_raw_or_decoded(signed_uri):
    url = "https://hub.example.com/webhooks/abc?next=%2Fdone%3Fok%3D1"
    uri = url if signed_uri == "raw" else "https://hub.example.com/webhooks/abc?next=/done?ok%3D1"
    headers = {
        "X-HubSpot-Signature-v3": v3_signature("POST", uri, SDK_BODY, "1700000000000"),
        "X-HubSpot-Request-Timestamp": "1700000000000",
    }
    hubspot.verify(request(SDK_BODY, headers, url=url), context(now=1_700_000_000))


# --- seed 000, versions, secrets -----------------------------------------------------------


def test_seed_variant_is_an_hmac_when_no_version_header_is_sent():
    signature = hmac.new(SECRET.encode(), V1_BODY, hashlib.sha256).hexdigest()
    hubspot.verify(request(V1_BODY, {"X-HubSpot-Signature": signature}), context())
    # The same value labelled v1 is not a v1 signature (that is a plain SHA-256).
    labelled = {"X-HubSpot-Signature": signature, "X-HubSpot-Signature-Version": "v1"}
    with pytest.raises(SignatureInvalid):
        hubspot.verify(request(V1_BODY, labelled), context())


def test_unknown_version_missing_header_and_empty_secret_are_refused():
    with pytest.raises(SignatureInvalid, match="unknown"):
        hubspot.verify(
            request(V1_BODY, {"X-HubSpot-Signature": "ab", "X-HubSpot-Signature-Version": "v9"}),
            context(),
        )
    with pytest.raises(SignatureInvalid, match="missing X-HubSpot-Signature"):
        hubspot.verify(request(V1_BODY, {"X-HubSpot-Signature-Version": "v1"}), context())
    # With no secret v1 would be SHA-256(body), which anyone can compute.
    bare = hashlib.sha256(V1_BODY).hexdigest()
    headers = {"X-HubSpot-Signature": bare, "X-HubSpot-Signature-Version": "v1"}
    with pytest.raises(SignatureInvalid, match="no client secret"):
        hubspot.verify(request(V1_BODY, headers), context(secret=""))


@pytest.mark.parametrize("version", ["v1", "v2", "v3", "seed"])
def test_what_the_sandbox_signs_verifies(version):
    signed = signed_request("hubspot", fixture("contact_created.json"), version=version)
    hubspot.verify(signed, VerifyContext(secret=SECRET, now=datetime.now(UTC).timestamp()))


# --- parse ---------------------------------------------------------------------------------


def test_a_batch_becomes_one_event_each_with_hubspot_ids():
    events = hubspot.parse(request(fixture("contact_created.json"), {}))
    assert [e.event_type for e in events] == ["contact_created", "contact_created"]
    first = events[0]
    assert first.dedupe_key == "44201187:2189374:1824365017:51874203361"
    assert (first.object_type, first.object_id) == ("contact", "51874203361")
    assert first.occurred_at == datetime(2024, 11, 15, 9, 15, 0, 512000, tzinfo=UTC)
    assert first.payload["changeSource"] == "CRM_UI"


def test_the_docs_vector_body_parses():
    [event] = hubspot.parse(request(V1_BODY, {}))
    assert (event.event_type, event.dedupe_key, event.object_id) == (
        "contact_created", "62515:12345:1:123", "123",
    )  # fmt: skip
    assert event.occurred_at == datetime(2019, 7, 26, 4, tzinfo=UTC)


def test_a_retry_keeps_its_key():
    [event] = json.loads(fixture("contact_updated.json"))
    retried = dict(event, attemptNumber=3)
    first = hubspot.parse(request(json.dumps([event]).encode(), {}))[0]
    again = hubspot.parse(request(json.dumps([retried]).encode(), {}))[0]
    assert first.dedupe_key == again.dedupe_key
    without_id = {k: v for k, v in event.items() if k != "eventId"}
    retried_without_id = dict(without_id, attemptNumber=1)
    keys = {
        hubspot.parse(request(json.dumps([item]).encode(), {}))[0].dedupe_key
        for item in (without_id, retried_without_id)
    }
    assert keys == {body_key({k: v for k, v in without_id.items() if k != "attemptNumber"})}


def test_subscription_types_map_to_declared_events_and_others_are_skipped():
    batch = [
        {"eventId": 1, "portalId": 7, "subscriptionType": "contact.propertyChange", "objectId": 1},
        {"eventId": 2, "portalId": 7, "subscriptionType": "contact.deletion", "objectId": 2},
        {"eventId": 3, "portalId": 7, "subscriptionType": "contact.privacyDeletion", "objectId": 3},
        {"eventId": 4, "portalId": 7, "subscriptionType": "deal.creation", "objectId": 4},
        {"eventId": 5, "portalId": 7, "subscriptionType": "company.propertyChange", "objectId": 5},
        {"eventId": 6, "portalId": 7, "subscriptionType": "contact.merge", "objectId": 6},
        {"eventId": 7, "portalId": 7, "subscriptionType": "ticket.creation", "objectId": 7},
        {"eventId": 8, "portalId": 7, "subscriptionType": "deal.propertyChange", "objectId": 8},
    ]
    events = hubspot.parse(request(json.dumps(batch).encode(), {}))
    assert [(e.event_type, e.object_type, e.object_id) for e in events] == [
        ("contact_updated", "contact", "1"),
        ("contact_deleted", "contact", "2"),
        ("contact_deleted", "contact", "3"),
        ("deal_created", "deal", "4"),
        ("company_updated", "company", "5"),
    ]


def test_generic_object_subscriptions_map_by_object_type_id():
    def generic(event_id: int, action: str, type_id: str) -> dict:
        return {
            "eventId": event_id,
            "subscriptionType": f"object.{action}",
            "objectTypeId": type_id,
            "objectId": 100 + event_id,
        }

    batch = [
        generic(1, "creation", "0-1"),
        generic(2, "creation", "0-3"),
        generic(3, "propertyChange", "0-2"),
        generic(4, "creation", "0-5"),  # a ticket: nothing declared
    ]
    events = hubspot.parse(request(json.dumps(batch).encode(), {}))
    assert [(e.event_type, e.object_type, e.object_id) for e in events] == [
        ("contact_created", "contact", "101"),
        ("deal_created", "deal", "102"),
        ("company_updated", "company", "103"),
    ]


def test_a_workflow_contact_record_enrolled_by_a_form_is_a_form_submission():
    [event] = hubspot.parse(request(fixture("form_submitted.json"), {}))
    assert event.event_type == "form_submitted"
    assert event.dedupe_key == "form-submission:9c6a1e0f-2b37-4d8e-8f51-3a0d7c52e1b4"
    assert (event.object_type, event.object_id) == ("contact", "51874203361")
    assert event.occurred_at == datetime(2024, 11, 15, 9, 15, 0, 312000, tzinfo=UTC)


def test_the_latest_form_submission_names_the_event_and_none_means_no_event():
    record = json.loads(fixture("form_submitted.json"))
    older = dict(record["form-submissions"][0], timestamp=1600000000000)
    older["conversion-id"] = "0d1f5a9e-0000-4c1b-9e3a-5b7c2d4e6f80"
    record["form-submissions"] = [older, *record["form-submissions"]]
    [event] = hubspot.parse(request(json.dumps(record).encode(), {}))
    assert event.dedupe_key == "form-submission:9c6a1e0f-2b37-4d8e-8f51-3a0d7c52e1b4"
    record["form-submissions"] = []
    assert hubspot.parse(request(json.dumps(record).encode(), {})) == []


@pytest.mark.parametrize("body", [b"not json", b'"a string"', b"42", b"[1, 2]", b'["event"]'])
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        hubspot.parse(request(body, {}))


def test_seed_002_event_names_are_kept():
    assert {"contact_created", "deal_created", "form_submitted", "company_updated"} <= set(
        hubspot.DEFINITION.events
    )
