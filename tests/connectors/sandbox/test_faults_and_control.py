"""Fault injection from Python and over HTTP, request counters, reset, touch and the rest of
the /_sandbox control API."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from tests.receiver import Receiver

TOKEN = {"Authorization": "Bearer sandbox-token"}  # every provider accepts it
# One cheap, valid request per provider, and how its 5xx body says so.
PROBES = {
    "hubspot": ("GET", "/crm/v3/objects/contacts", None, lambda b: b["status"] == "error"),
    "salesforce": (
        "GET",
        "/services/data/v59.0/query?q=SELECT+Id+FROM+Contact",
        None,
        lambda b: b[0]["errorCode"] == "SERVER_UNAVAILABLE",
    ),
    "dynamics": (
        "GET",
        "/api/data/v9.2/contacts",
        None,
        lambda b: b["error"]["code"] == "0x80040216",
    ),
    "slack": (
        "POST",
        "/api/chat.postMessage",
        {"channel": "#ops", "text": "x"},
        lambda b: b == {"ok": False, "error": "service_unavailable"},
    ),
    "whatsapp": (
        "POST",
        "/v21.0/1/messages",
        {"messaging_product": "whatsapp", "to": "4790000000", "text": {"body": "x"}},
        lambda b: b["error"]["code"] == 131016,
    ),
    "zapier": ("POST", "/hooks/catch/1/a/", {"x": 1}, lambda b: b["status"] == "error"),
}


def probe(http, sandbox, provider, headers=None):
    method, path, body, _ = PROBES[provider]
    url = sandbox.base_url(provider) + path
    return http.request(method, url, json=body, headers={**TOKEN, **(headers or {})})


@pytest.mark.parametrize("provider", PROBES)
def test_error_burst_answers_5xx_in_the_providers_shape_then_recovers(http, sandbox, provider):
    sandbox.state.faults.set(provider, error_burst=2)
    for _ in range(2):
        failed = probe(http, sandbox, provider)
        assert failed.status_code == 503
        assert PROBES[provider][3](failed.json())
    assert probe(http, sandbox, provider).status_code == 200
    assert sandbox.state.stats()["statuses"][provider] == {"503": 2, "200": 1}


def test_error_status_picks_the_5xx(http, sandbox, state):
    state.faults.set("hubspot", error_burst=1, error_status=502)
    assert probe(http, sandbox, "hubspot").status_code == 502


def test_fail_with_lasts_until_cleared_or_counted_down(http, sandbox, state):
    state.faults.set("salesforce", fail_with=400, error_code="INVALID_FIELD")
    for _ in range(3):
        failed = probe(http, sandbox, "salesforce")
        assert failed.status_code == 400 and failed.json()[0]["errorCode"] == "INVALID_FIELD"
    state.faults.clear("salesforce")
    assert probe(http, sandbox, "salesforce").status_code == 200
    state.faults.set("salesforce", fail_with=404, fail_next=1)
    assert [probe(http, sandbox, "salesforce").status_code for _ in range(2)] == [404, 200]
    assert state.faults.get("salesforce") == {}


def test_latency_delays_every_request_until_cleared(http, sandbox, state):
    state.faults.set("zapier", latency_ms=300)
    started = time.monotonic()
    assert probe(http, sandbox, "zapier").status_code == 200
    assert time.monotonic() - started >= 0.3
    state.faults.clear()
    started = time.monotonic()
    probe(http, sandbox, "zapier")
    assert time.monotonic() - started < 0.3


def test_faults_hit_only_their_provider(http, sandbox, state):
    state.faults.set("slack", error_burst=5)
    assert probe(http, sandbox, "zapier").status_code == 200


def test_faults_over_http(http, sandbox):
    control = f"{sandbox.url}/_sandbox/faults"
    set_ = http.post(f"{control}/dynamics", json={"rate_limit_next": 1, "retry_after": 4})
    assert set_.status_code == 200 and set_.json() == {"rate_limit_next": 1, "retry_after": 4}
    assert http.get(control).json() == {"dynamics": {"rate_limit_next": 1, "retry_after": 4}}
    assert probe(http, sandbox, "dynamics").headers["Retry-After"] == "4"
    http.post(f"{control}/slack", json={"ok_false": "invalid_auth"})
    assert http.delete(f"{control}/slack").status_code == 204
    http.post(f"{control}/hubspot", json={"error_burst": 9})
    assert http.delete(control).status_code == 204
    assert http.get(control).json() == {}
    assert probe(http, sandbox, "hubspot").status_code == 200


@pytest.mark.parametrize(
    ("provider", "body", "problem"),
    [
        ("hubspot", {"explode": True}, "unknown fault"),
        ("myspace", {"error_burst": 1}, "unknown provider"),
        ("hubspot", {"fail_with": 200}, "between 400 and 499"),
        ("hubspot", {"error_burst": -1}, "whole number"),
        ("slack", {"ok_false": 3}, "error string"),
        ("whatsapp", {"error_code": [1]}, "error code"),
    ],
)
def test_bad_faults_are_refused_with_400(http, sandbox, provider, body, problem):
    response = http.post(f"{sandbox.url}/_sandbox/faults/{provider}", json=body)
    assert response.status_code == 400 and problem in response.json()["error"]
    with pytest.raises(ValueError, match=problem):
        sandbox.state.faults.set(provider, **body)


def test_stats_count_requests_statuses_endpoints_and_idempotency_keys(http, sandbox, state):
    url = f"{sandbox.base_url('slack')}/api/chat.postMessage"
    for key in ("k-1", "k-1", "k-2"):
        message = {"channel": "#ops", "text": "x"}
        http.post(url, json=message, headers={**TOKEN, "Idempotency-Key": key})
    zap = f"{sandbox.base_url('zapier')}/hooks/catch/1/a/"
    http.post(zap, json={"idempotency_key": "z-1"})
    http.post(zap, data={"idempotencyKey": "z-1"})
    http.get(f"{sandbox.base_url('hubspot')}/crm/v3/objects/contacts")  # no token: 401
    stats = http.get(f"{sandbox.url}/_sandbox/stats").json()
    assert stats["requests"] == {
        "hubspot": 1,
        "salesforce": 0,
        "dynamics": 0,
        "slack": 3,
        "whatsapp": 0,
        "zapier": 2,
    }
    assert stats["idempotency_keys"] == {"slack": {"k-1": 2, "k-2": 1}, "zapier": {"z-1": 2}}
    assert stats["statuses"]["hubspot"] == {"401": 1}
    assert stats["endpoints"]["slack"] == {"POST /api/chat.postMessage": 3}
    assert stats["received"] == {"slack": 3, "zapier": 2}
    assert state.idempotency_count("slack", "k-1") == 2
    assert state.request_count("zapier", "POST /hooks/catch/{account}/{hook}/") == 2


def test_reset_restores_seeds_and_forgets_everything(http, sandbox, state):
    state.hubspot.update("1001", {"firstname": "Changed"})
    state.faults.set("hubspot", error_burst=3)
    probe(http, sandbox, "slack")
    assert http.post(f"{sandbox.url}/_sandbox/reset").status_code == 204
    assert state.hubspot.get("1001").fields["firstname"] == "Ada"
    assert state.faults.snapshot() == {} and state.received("slack") == []
    assert sum(state.stats()["requests"].values()) == 0
    assert state.stats()["records"] == {"hubspot": 250, "salesforce": 250, "dynamics": 250}


def test_touch_modifies_the_oldest_records_so_a_poll_sees_them(http, sandbox, state):
    touched = http.post(f"{sandbox.url}/_sandbox/touch/hubspot", json={"count": 2}).json()
    assert touched == {"touched": ["1001", "1002"]}
    again = state.touch("hubspot", 1)
    assert again == ["1003"]
    records = [state.hubspot.get(i) for i in ("1001", "1002", "1003")]
    assert records[0].modified < records[1].modified < records[2].modified
    assert records[2].fields["jobtitle"] == "touched 3" and records[2].version == 2
    assert http.post(f"{sandbox.url}/_sandbox/touch/slack").status_code == 400


def test_recorded_requests_and_received_items(http, sandbox):
    probe(http, sandbox, "slack")
    recorded = http.get(f"{sandbox.url}/_sandbox/requests", params={"provider": "slack"}).json()
    assert recorded[0]["path"] == "/api/chat.postMessage"
    assert recorded[0]["headers"]["authorization"] == "Bearer sandbox-token"
    received = http.get(f"{sandbox.url}/_sandbox/received/slack").json()
    assert received[0]["channel"] == "C0SANDBOX04"


def test_the_sandbox_sends_a_signed_webhook_on_request(http, sandbox):
    with Receiver() as receiver:
        answer = http.post(
            f"{sandbox.url}/_sandbox/webhooks/github",
            json={"to": receiver.url, "secret": "s3cret", "payload": {"zen": "z"}, "event": "push"},
        )
        (got,) = receiver.wait_for(1)
    assert answer.json() == {"status": 200, "body": "ok"}
    expected = hmac.new(b"s3cret", got.body, hashlib.sha256).hexdigest()
    assert got.header("X-Hub-Signature-256") == f"sha256={expected}"
    assert got.header("X-GitHub-Event") == "push" and got.json() == {"zen": "z"}


def test_unknown_paths_and_methods(http, sandbox):
    assert http.get(f"{sandbox.url}/nowhere").status_code == 404
    hubspot_404 = http.get(f"{sandbox.base_url('hubspot')}/crm/v3/nothing", headers=TOKEN)
    assert hubspot_404.status_code == 404 and hubspot_404.json()["status"] == "error"
    wrong_method = http.delete(f"{sandbox.base_url('slack')}/api/chat.postMessage", headers=TOKEN)
    assert wrong_method.status_code == 405
    index = http.get(sandbox.url + "/").json()
    assert index["providers"]["dynamics"] == sandbox.base_url("dynamics")


def test_sending_a_webhook_to_a_dead_hub_or_with_a_bad_option_says_why(http, sandbox):
    with Receiver() as receiver:
        dead = receiver.url  # the receiver stops when the block ends
    sent = http.post(f"{sandbox.url}/_sandbox/webhooks/slack", json={"to": dead, "secret": "s"})
    assert sent.status_code == 502 and "sending failed" in sent.json()["error"]
    bad = http.post(
        f"{sandbox.url}/_sandbox/webhooks/slack", json={"to": dead, "secret": "s", "colour": 1}
    )
    assert bad.status_code == 400 and "colour" in bad.json()["error"]
