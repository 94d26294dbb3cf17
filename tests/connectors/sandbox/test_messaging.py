"""Simulated Slack, WhatsApp Cloud API and Zapier catch hooks over real HTTP."""

from __future__ import annotations

import pytest

SLACK = {"Authorization": "Bearer xoxb-1-sandbox"}
META = {"Authorization": "Bearer EAAsandbox"}


def post_message(http, sandbox, headers=SLACK, **fields):
    url = f"{sandbox.base_url('slack')}/api/chat.postMessage"
    return http.post(url, json=fields, headers=headers)


def test_slack_posts_json_and_form_bodies(http, sandbox, state):
    posted = post_message(http, sandbox, channel="#alerts", text="Deploy done")
    assert posted.status_code == 200
    body = posted.json()
    assert body["ok"] is True and body["channel"] == "C0SANDBOX03"
    assert body["message"]["text"] == "Deploy done" and body["message"]["ts"] == body["ts"]
    assert body["ts"].count(".") == 1 and len(body["ts"].split(".")[1]) == 6
    form = http.post(
        f"{sandbox.base_url('slack')}/api/chat.postMessage",
        data={"token": "xoxb-2", "channel": "C0SANDBOX01", "text": "from a form"},
    )
    assert form.json()["ok"] is True and form.json()["ts"] > body["ts"]
    assert [m["text"] for m in state.received("slack")] == ["Deploy done", "from a form"]


@pytest.mark.parametrize(
    ("headers", "fields", "error"),
    [
        ({}, {"channel": "#general", "text": "x"}, "not_authed"),
        ({"Authorization": "Bearer nope"}, {"channel": "#general", "text": "x"}, "invalid_auth"),
        (SLACK, {"channel": "#nowhere", "text": "x"}, "channel_not_found"),
        (SLACK, {"channel": "#general"}, "no_text"),
    ],
)
def test_slack_errors_are_http_200_ok_false(http, sandbox, state, headers, fields, error):
    response = post_message(http, sandbox, headers=headers, **fields)
    assert response.status_code == 200
    assert response.json() == {"ok": False, "error": error}
    assert state.received("slack") == []


def test_slack_ok_false_fault_for_the_next_n(http, sandbox, state):
    state.faults.set("slack", ok_false="channel_not_found", ok_false_next=2)
    answers = [post_message(http, sandbox, channel="#general", text="x").json() for _ in range(3)]
    assert [a["ok"] for a in answers] == [False, False, True]
    assert answers[0]["error"] == "channel_not_found"


def test_slack_rate_limit_is_429_with_retry_after(http, sandbox, state):
    state.faults.set("slack", rate_limit_next=1, retry_after=3)
    limited = post_message(http, sandbox, channel="#general", text="x")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert limited.json() == {"ok": False, "error": "ratelimited"}
    assert post_message(http, sandbox, channel="#general", text="x").json()["ok"] is True


def test_slack_auth_test(http, sandbox):
    answer = http.post(f"{sandbox.base_url('slack')}/api/auth.test", headers=SLACK).json()
    assert answer["ok"] is True and answer["team_id"] == "T0SANDBOX"


def send_whatsapp(http, sandbox, message, headers=META):
    url = f"{sandbox.base_url('whatsapp')}/v21.0/106540352242922/messages"
    return http.post(url, json=message, headers=headers)


TEXT = {
    "messaging_product": "whatsapp",
    "to": "+1 650-555-1234",
    "type": "text",
    "text": {"body": "Hello"},
}


def test_whatsapp_send_answers_contacts_and_a_wamid(http, sandbox, state):
    response = send_whatsapp(http, sandbox, TEXT)
    assert response.status_code == 200
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+1 650-555-1234", "wa_id": "16505551234"}]
    assert body["messages"][0]["id"].startswith("wamid.")
    (sent,) = state.received("whatsapp")
    assert sent["text"] == {"body": "Hello"} and sent["phone_number_id"] == "106540352242922"


@pytest.mark.parametrize(
    ("message", "headers", "status", "code"),
    [
        (TEXT, {}, 401, 190),
        ({**TEXT, "messaging_product": "sms"}, META, 400, 100),
        ({**TEXT, "text": {}}, META, 400, 131008),
    ],
)
def test_whatsapp_graph_errors(http, sandbox, message, headers, status, code):
    response = send_whatsapp(http, sandbox, message, headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["type"] == "OAuthException" and error["fbtrace_id"]
    assert error["message"].startswith(f"(#{code}) ")


def test_whatsapp_throttling_is_a_400_with_code_130429(http, sandbox, state):
    state.faults.set("whatsapp", rate_limit_next=1)
    response = send_whatsapp(http, sandbox, TEXT)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 130429
    state.faults.set("whatsapp", fail_with=400, error_code=131056, fail_next=1)
    assert send_whatsapp(http, sandbox, TEXT).json()["error"]["code"] == 131056
    assert send_whatsapp(http, sandbox, TEXT).status_code == 200


def test_zapier_catch_hook_takes_json_form_and_query(http, sandbox, state):
    url = f"{sandbox.base_url('zapier')}/hooks/catch/123456/abcdef/"
    caught = http.post(url, json={"name": "Ada"}, params={"source": "hub"})
    assert caught.status_code == 200
    body = caught.json()
    assert body["status"] == "success" and body["id"] and body["request_id"] and body["attempt"]
    http.post(url.rstrip("/"), data={"name": "Grace"})
    payloads = [item["payload"] for item in state.received("zapier")]
    assert payloads == [{"source": "hub", "name": "Ada"}, {"name": "Grace"}]
    assert state.received("zapier")[0]["hook"] == "abcdef"
