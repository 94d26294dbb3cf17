"""What the edge answers 2xx is what the pipeline can store, process and publish: bodies too
large to publish and JSON the hub can't keep are refused at once (4xx naming the problem), and
dedupe keys stay distinct whatever their length. Every path: direct, lean, Django's views."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from rest_framework.test import APIClient

from tests.factories import make_subscription
from tests.webhooks.inbound.conftest import github_delivery, post_signed
from tests.webhooks.inbound.test_lean_wsgi import call_wsgi
from webhooks.inbound.body import client_reads
from webhooks.inbound.models import InboundEvent, InboundStatus
from webhooks.inbound.processing import process_all
from webhooks.inbound.registrations import webhook_url
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db
PATHS = ["direct", "lean", "django"]


def post(path: str, signed, **extra):
    """``signed`` by one of the three ways into the edge; its status and JSON."""
    if path == "django":
        response = post_signed(APIClient(), signed, **extra)
        return response.status_code, json.loads(response.content)
    if path == "lean":
        # A query string takes Django's handler with the lean middleware.
        signed = dataclasses.replace(signed, url=signed.url + "?via=lean")
    answer = call_wsgi(signed, **extra)
    return answer.status_code, answer.json()


@pytest.fixture
def url(github_registration, tenant):
    make_subscription(tenant=tenant, url="http://127.0.0.1:9/gh", events=["github.*"])
    return webhook_url(github_registration)


@pytest.mark.parametrize("path", PATHS)
def test_a_body_too_large_to_publish_is_413_naming_the_limit(path, url, settings):
    settings.OUTBOUND_MAX_PAYLOAD_BYTES = 8000
    status, body = post(path, github_delivery(url, {"zen": "x" * 6000}))
    assert status == 413
    assert "OUTBOUND_MAX_PAYLOAD_BYTES" in body["error"] and "8000" in body["error"]
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize("path", PATHS)
def test_a_body_that_fits_is_accepted_processed_and_published(path, url, settings):
    settings.OUTBOUND_MAX_PAYLOAD_BYTES = 8000
    status, _body = post(path, github_delivery(url, {"zen": "x" * 3000, "big": 10**30}))
    assert status == 202
    assert process_all() == 1
    assert InboundEvent.objects.get().status == InboundStatus.PROCESSED
    assert Event.objects.get().payload["data"]["big"] == 10**30  # kept exact


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (b'{"zen": NaN}', "NaN"),
        (b'{"zen": -Infinity}', "Infinity"),
        (b'{"zen": 1e400}', "1e400"),
        (b'{"zen": "\\ud800"}', "surrogate"),
    ],
)
def test_json_the_hub_could_not_publish_is_400_naming_it(path, url, raw, named):
    status, body = post(path, github_delivery(url, raw))
    assert status == 400
    assert named in body["error"]
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize("path", PATHS)
def test_dedupe_keys_differing_after_255_characters_are_two_events(path, url):
    first, second = "k" * 300 + "-1", "k" * 300 + "-2"
    for key in (first, second, first):
        status, _body = post(path, github_delivery(url, {"zen": "z"}, delivery=key))
        assert status == 202
    stored = set(InboundEvent.objects.values_list("dedupe_key", flat=True))
    assert len(stored) == 2 and all(k.startswith("sha256:") and len(k) == 71 for k in stored)


@pytest.mark.parametrize("path", PATHS)
def test_a_chunked_body_is_read_with_the_same_cap(path, url, settings):
    settings.INBOUND_MAX_BODY_BYTES = 2000
    signed = github_delivery(url, {"zen": "chunked"}, delivery="chunked-1")
    chunked = {"CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"}
    status, body = post(path, signed, **chunked, **{"wsgi.input": io.BytesIO(signed.body)})
    assert status == 202, body
    assert bytes(InboundEvent.objects.get().raw_body) == signed.body
    big = github_delivery(url, {"zen": "x" * 3000})
    status, _body = post(path, big, **chunked, **{"wsgi.input": io.BytesIO(big.body)})
    assert status == 413


@pytest.mark.parametrize("path", PATHS)
def test_a_client_at_its_cap_of_bodies_being_read_is_told_to_retry(path, url, settings):
    settings.INBOUND_MAX_BODY_READS_PER_CLIENT = 1
    assert client_reads.enter("192.0.2.7")  # a slow body of this client, still arriving
    try:
        signed = github_delivery(url, {"zen": "z"})
        status, body = post(path, signed, REMOTE_ADDR="192.0.2.7")
        assert (status, "still sending" in body["error"]) == (429, True)
        status, _body = post(path, signed, REMOTE_ADDR="192.0.2.8")  # another client
        assert status == 202
    finally:
        client_reads.leave("192.0.2.7")
    status, _body = post(path, github_delivery(url, {"zen": "z"}), REMOTE_ADDR="192.0.2.7")
    assert status == 202
