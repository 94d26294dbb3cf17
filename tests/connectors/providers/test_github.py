"""GitHub inbound: the published vector, every fixture sent with its own X-GitHub-Event
header (the shared fixture test signs them all as ``ping``), delivery ids, objects, and the
form-encoded content type."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from connectors.providers import github
from connectors.providers.inbound import InboundRequest, MalformedBody, SignatureInvalid
from tests.connectors.providers.inbound_support import (
    URL,
    context,
    event_type_of,
    fixture_paths,
    signed_request,
)

DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"


def _request(body: bytes, event: str) -> InboundRequest:
    return signed_request("github", body, event=event, delivery=DELIVERY)


def _fixture(event: str) -> bytes:
    [path] = [p for p in fixture_paths("github") if event_type_of(p) == event]
    return path.read_bytes()


def test_the_published_vector_verifies():
    request = InboundRequest(
        method="POST",
        url=URL,
        headers={
            "x-hub-signature-256": (
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
            )
        },
        query={},
        body=b"Hello, World!",
    )
    github.verify(request, context("github"))
    with pytest.raises(SignatureInvalid):
        github.verify(request, context("github", secret="It's a Secret to Everybody!"))


def test_the_legacy_sha1_header_alone_is_not_enough():
    request = _request(_fixture("ping"), "ping")
    headers = {k: v for k, v in request.headers.items() if k != "x-hub-signature-256"}
    headers["x-hub-signature"] = "sha1=7d38cdd689735b008b3c702edd92eea23791c5f6"
    unsigned = InboundRequest(request.method, request.url, headers, request.query, request.body)
    with pytest.raises(SignatureInvalid, match="X-Hub-Signature-256"):
        github.verify(unsigned, context("github"))


@pytest.mark.parametrize("path", fixture_paths("github"), ids=lambda p: p.name)
def test_each_fixture_with_its_own_event_header(path):
    event_type = event_type_of(path)
    request = _request(path.read_bytes(), event_type)
    github.verify(request, context("github"))
    [event] = github.parse(request)
    assert event.event_type == event_type
    assert event.dedupe_key == DELIVERY
    assert event.object_id and event.occurred_at is not None
    assert event.payload == json.loads(path.read_bytes())


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("event_type", "object_type", "object_id", "occurred_at"),
    [
        ("ping", "hook", "109948940", _utc(2019, 5, 15, 15, 20, 49)),
        ("pull_request", "pull_request", "279147437", _utc(2019, 5, 15, 15, 20, 33)),
        ("issues", "issue", "444500041", _utc(2019, 5, 15, 15, 20, 18)),
        ("issue_comment", "comment", "492700400", _utc(2019, 5, 15, 15, 20, 21)),
        ("release", "release", "17372790", _utc(2019, 5, 15, 15, 20, 53)),
        ("workflow_run", "workflow_run", "1589141559", _utc(2021, 12, 16, 19, 37, 22)),
        (
            "push",
            "commit",
            "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
            _utc(2019, 5, 15, 15, 19, 25),
        ),
    ],
)
def test_each_event_names_its_object_and_time(event_type, object_type, object_id, occurred_at):
    [event] = github.parse(_request(_fixture(event_type), event_type))
    assert (event.object_type, event.object_id) == (object_type, object_id)
    assert event.occurred_at == occurred_at


def test_a_push_that_deletes_a_ref_falls_back_to_the_repository_push_time():
    payload = json.loads(_fixture("push"))
    payload.update(after="0" * 40, deleted=True, head_commit=None, commits=[])
    [event] = github.parse(_request(json.dumps(payload).encode(), "push"))
    assert event.object_id == "0" * 40
    assert event.occurred_at == datetime.fromtimestamp(payload["repository"]["pushed_at"], UTC)


def test_a_redelivery_keeps_its_delivery_id_so_it_dedupes():
    first = github.parse(_request(_fixture("issues"), "issues"))
    again = github.parse(_request(_fixture("issues"), "issues"))
    assert first[0].dedupe_key == again[0].dedupe_key == DELIVERY


def test_without_a_delivery_header_the_body_hash_is_the_key():
    request = _request(_fixture("ping"), "ping")
    headers = {k: v for k, v in request.headers.items() if k != "x-github-delivery"}
    bare = InboundRequest(request.method, request.url, headers, request.query, request.body)
    [event] = github.parse(bare)
    assert event.dedupe_key.startswith("sha256:")


def test_a_form_encoded_hook_is_verified_over_the_form_and_parsed_from_payload():
    form = urlencode({"payload": _fixture("issues").decode()}).encode()
    request = _request(form, "issues")
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    github.verify(request, context("github"))
    [event] = github.parse(request)
    assert (event.event_type, event.object_id) == ("issues", "444500041")


def test_an_undeclared_event_is_skipped():
    assert github.parse(_request(b'{"action":"started","starred_at":null}', "star")) == []


def test_without_the_event_header_the_body_cannot_be_read():
    request = _request(_fixture("ping"), "ping")
    headers = {k: v for k, v in request.headers.items() if k != "x-github-event"}
    bare = InboundRequest(request.method, request.url, headers, request.query, request.body)
    with pytest.raises(MalformedBody, match="X-GitHub-Event"):
        github.parse(bare)


@pytest.mark.parametrize(
    "body",
    [b"{oops", b"[]", b"payload=%7Boops", b"action=opened"],
    ids=["not-json", "list", "form-payload-not-json", "form-without-payload"],
)
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        github.parse(_request(body, "issues"))
