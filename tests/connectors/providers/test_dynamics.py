"""Dynamics 365 / Dataverse inbound: each way a webhook registration authenticates (HttpHeader,
WebhookKey, HttpQueryString, seed 000's HMAC), and the RemoteExecutionContext parsed into
contact events."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

from connectors.providers import dynamics
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
    VerifyContext,
    body_key,
)
from connectors.sandbox.webhooks import sample_event
from tests.connectors.providers.inbound_support import FIXTURES, signed_request

SECRET = "dynamics-header-value-0123"
URL = "https://hub.example.com/webhooks/3f2c6a8e"


def request(
    body: bytes = b"{}", headers: dict[str, str] | None = None, *, url: str = URL
) -> InboundRequest:
    return InboundRequest(
        method="POST",
        url=url,
        headers={k.lower(): v for k, v in (headers or {}).items()},
        query=dict(parse_qsl(urlsplit(url).query)),
        body=body,
    )


def context(config: dict | None = None, secret: str = SECRET) -> VerifyContext:
    return VerifyContext(secret=secret, config=config or {}, now=time.time())


def fixture(name: str) -> bytes:
    return (FIXTURES / "dynamics" / name).read_bytes()


# --- verify --------------------------------------------------------------------------------


def test_header_auth_defaults_to_x_api_key():
    dynamics.verify(request(headers={"X-Api-Key": SECRET}), context())
    with pytest.raises(SignatureInvalid, match="X-Api-Key header does not match"):
        dynamics.verify(request(headers={"X-Api-Key": SECRET + "x"}), context())
    with pytest.raises(SignatureInvalid, match="missing X-Api-Key"):
        dynamics.verify(request(headers={"X-Other": SECRET}), context())


def test_header_auth_with_a_configured_header_from_the_sandbox():
    config = {"auth": "header", "header_name": "X-Dataverse-Key"}
    signed = signed_request(
        "dynamics", fixture("contact_created.json"), header_name="X-Dataverse-Key"
    )
    dynamics.verify(signed, context(config))
    with pytest.raises(SignatureInvalid, match="missing X-Api-Key"):
        dynamics.verify(signed, context({"auth": "header"}))


def test_webhook_key_is_the_code_query_parameter():
    signed = signed_request("dynamics", fixture("contact_updated.json"), auth="webhook_key")
    assert signed.query == {"code": SECRET}
    dynamics.verify(signed, context({"auth": "webhook_key"}))
    with pytest.raises(SignatureInvalid, match="webhook key does not match"):
        dynamics.verify(request(url=URL + "?code=guess"), context({"auth": "webhook_key"}))
    with pytest.raises(SignatureInvalid, match="missing query parameter code"):
        dynamics.verify(request(headers={"X-Api-Key": SECRET}), context({"auth": "webhook_key"}))


def test_query_string_auth_needs_every_configured_pair_and_the_secret():
    config = {"auth": "query", "query_params": {"source": "dataverse"}, "secret_param": "token"}
    dynamics.verify(request(url=f"{URL}?source=dataverse&token={SECRET}"), context(config))
    for url, reason in [
        (f"{URL}?token={SECRET}", "missing query parameter source"),
        (f"{URL}?source=crm&token={SECRET}", "query parameter source does not match"),
        (f"{URL}?source=dataverse&token=nope", "query parameter token does not match"),
        (f"{URL}?source=dataverse&code={SECRET}", "missing query parameter token"),
    ]:
        with pytest.raises(SignatureInvalid, match=reason):
            dynamics.verify(request(url=url), context(config))
    # Without secret_param the secret's pair is ``code``, as for a WebhookKey.
    dynamics.verify(request(url=f"{URL}?code={SECRET}"), context({"auth": "query"}))


def test_seed_variant_is_an_hmac_of_the_body():
    body = fixture("contact_deleted.json")
    signed = signed_request("dynamics", body, auth="seed")
    dynamics.verify(signed, context({"auth": "seed"}))
    tampered = request(body.replace(b"}", b" }", 1), dict(signed.headers))
    with pytest.raises(SignatureInvalid, match="does not match"):
        dynamics.verify(tampered, context({"auth": "seed"}))
    with pytest.raises(SignatureInvalid, match="missing X-Dynamics-Signature"):
        dynamics.verify(request(body, {"X-Api-Key": SECRET}), context({"auth": "seed"}))


def test_an_unknown_mode_or_an_empty_secret_is_refused():
    with pytest.raises(SignatureInvalid, match="unknown Dynamics auth"):
        dynamics.verify(request(headers={"X-Api-Key": SECRET}), context({"auth": "oauth"}))
    with pytest.raises(SignatureInvalid, match="no secret"):
        dynamics.verify(request(headers={"X-Api-Key": ""}), context(secret=""))


# --- parse ---------------------------------------------------------------------------------


def test_microsofts_sample_update_step():
    [event] = dynamics.parse(request(fixture("contact_updated.json")))
    assert event.event_type == "contact_updated"
    assert (event.object_type, event.object_id) == (
        "contact", "6d81597f-0f9f-e711-8122-000d3aa2331c",
    )  # fmt: skip
    # RequestId is null for an asynchronous step; its system job's OperationId names it.
    assert event.dedupe_key == "4af10637-4ea2-e711-8122-000d3aa2331c"
    # /Date(1506409448000-0700)/: the milliseconds are UTC, the offset only a display hint.
    assert event.occurred_at == datetime(2017, 9, 26, 7, 4, 8, tzinfo=UTC)


def test_a_synchronous_create_is_named_by_its_request_id():
    [event] = dynamics.parse(request(fixture("contact_created.json")))
    assert (event.event_type, event.dedupe_key) == (
        "contact_created", "c1d7e3a9-52f4-4b6e-9a08-7e3f1b2c5d46",
    )  # fmt: skip
    assert event.occurred_at == datetime(2024, 11, 15, 9, 15, tzinfo=UTC)


def test_a_delete_step():
    [event] = dynamics.parse(request(fixture("contact_deleted.json")))
    assert (event.event_type, event.object_id, event.dedupe_key) == (
        "contact_deleted", "6d81597f-0f9f-e711-8122-000d3aa2331c",
        "d27c0e4b-8fa3-ef11-8a69-000d3a4d6c2e",
    )  # fmt: skip


def test_without_request_or_operation_id_the_correlation_names_it():
    step = json.loads(fixture("contact_created.json"))
    step["RequestId"] = None  # OperationId is already the nil GUID
    [event] = dynamics.parse(request(json.dumps(step).encode()))
    assert event.dedupe_key == (
        "9f2a4c1e-7b3d-4e58-a0c6-2d81f5e7b943:contact:3b8e6f1a-52a3-ef11-8a69-000d3a4d6c2e:Create:40"
    )
    for key in ("CorrelationId", "OperationId"):
        step.pop(key)
    [event] = dynamics.parse(request(json.dumps(step).encode()))
    assert event.dedupe_key == body_key(step)


def test_the_body_names_the_step_and_the_headers_fill_in():
    created = fixture("contact_created.json")
    headers = {"x-ms-dynamics-entity-name": "contact", "x-ms-dynamics-request-name": "Update"}
    assert dynamics.parse(request(created, headers))[0].event_type == "contact_created"
    trimmed = {"PrimaryEntityId": "6d81597f-0f9f-e711-8122-000d3aa2331c", "RequestId": "r-1"}
    [event] = dynamics.parse(request(json.dumps(trimmed).encode(), headers))
    assert (event.event_type, event.object_type) == ("contact_updated", "contact")
    assert dynamics.parse(request(json.dumps(trimmed).encode())) == []


def test_other_tables_and_messages_are_skipped_and_updates_by_other_names_count():
    step = json.loads(fixture("contact_updated.json"))
    for entity, message, expected in [
        ("account", "Update", []),
        ("contact", "Associate", []),
        ("contact", "Retrieve", []),
        ("contact", "Assign", ["contact_updated"]),
        ("contact", "SetState", ["contact_updated"]),
    ]:
        step.update(PrimaryEntityName=entity, MessageName=message)
        events = dynamics.parse(request(json.dumps(step).encode()))
        assert [e.event_type for e in events] == expected, (entity, message)


def test_the_sandbox_sample_with_an_iso_timestamp_verifies_and_parses():
    sample = sample_event("dynamics")
    signed = signed_request("dynamics", json.dumps(sample).encode())
    dynamics.verify(signed, context())
    [event] = dynamics.parse(signed)
    assert event.event_type == "contact_updated"
    assert event.occurred_at is not None and event.occurred_at.tzinfo is not None


@pytest.mark.parametrize("body", [b"", b"not json", b"7", b'"contact"', b"[1]"])
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        dynamics.parse(request(body))
