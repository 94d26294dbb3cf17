"""The sandbox signs webhooks exactly as the providers do: every published vector from
PROVIDERS.md, the standardwebhooks library as an independent verifier, and the requests the
builders make (headers, raw body) against a real receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
from standardwebhooks import Webhook

from connectors.sandbox import webhooks
from tests.receiver import Receiver

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    b"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    b"collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977008"
    b"85554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c4"
    b"47fce8b6703c"
)
HUBSPOT_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
HUBSPOT_V1_BODY = (
    b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
    b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
)
SDK_BODY = b"{'example_field':'example_value'}"
SDK_URI = "https://www.example.com/webhook_uri"
NOTION_TOKEN = "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_slack_published_vector():
    assert webhooks.slack_signature(SLACK_SECRET, 1531420618, SLACK_BODY) == (
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_github_published_vector():
    assert webhooks.github_signature("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_hubspot_v1_and_v2_published_vectors():
    assert webhooks.hubspot_v1_signature(HUBSPOT_SECRET, HUBSPOT_V1_BODY) == (
        "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    )
    assert webhooks.hubspot_v2_signature(HUBSPOT_SECRET, "GET", SDK_URI, b"") == (
        "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
    )


def test_hubspot_sdk_vectors_for_all_three_versions():
    assert webhooks.hubspot_v1_signature(HUBSPOT_SECRET, SDK_BODY) == (
        "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"
    )
    assert webhooks.hubspot_v2_signature(HUBSPOT_SECRET, "POST", SDK_URI, SDK_BODY) == (
        "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383"
    )
    v3 = webhooks.hubspot_v3_signature(HUBSPOT_SECRET, "POST", SDK_URI, SDK_BODY, 15000000)
    assert v3 == "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="


def test_notion_published_vector():
    body = b'{"verification_token":"secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"}'
    assert webhooks.notion_signature(NOTION_TOKEN, body) == (
        "sha256=461e8cbcba8a75c3edd866f0e71280f5a85cbf21eff040ebd10fe266df38a735"
    )


def test_standard_webhooks_published_vector_and_library():
    msg_id, ts, body = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    signature = webhooks.standard_signature(STANDARD_SECRET, msg_id, ts, body)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    signed = webhooks.build("standard", "http://hub/hook", STANDARD_SECRET, {"n": 1})
    assert Webhook(STANDARD_SECRET).verify(signed.body, signed.headers) == {"n": 1}


def test_a_secret_without_the_whsec_prefix_is_used_as_its_bytes():
    signed = webhooks.build("standard", "http://hub/hook", "plain-secret-of-24-chars", [1])
    assert Webhook(b"plain-secret-of-24-chars").verify(signed.body, signed.headers) == [1]


def _hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("provider", "options", "header", "expected"),
    [
        ("meta", {}, "X-Hub-Signature-256", lambda b: "sha256=" + _hex("s", b)),
        ("whatsapp", {}, "X-Hub-Signature-256", lambda b: "sha256=" + _hex("s", b)),
        ("linkedin", {}, "X-LI-Signature", lambda b: _hex("s", b)),
        ("linkedin", {"prefixed": True}, "X-LI-Signature", lambda b: _hex("s", b"hmacsha256=" + b)),
        ("salesforce", {}, "X-Salesforce-Signature", lambda b: _hex("s", b)),
        (
            "salesforce",
            {"variant": "001"},
            "X-Salesforce-Event-Signature",
            lambda b: "sha256=" + _hex("s", b),
        ),
        ("dynamics", {"auth": "seed"}, "X-Dynamics-Signature", lambda b: _hex("s", b)),
        ("dynamics", {"header_name": "X-Hook-Key"}, "X-Hook-Key", lambda b: "s"),
        ("hubspot", {"version": "seed"}, "X-HubSpot-Signature", lambda b: _hex("s", b)),
        ("zapier", {}, "X-Api-Key", lambda b: "s"),
    ],
)
def test_hex_and_header_schemes(provider, options, header, expected):
    signed = webhooks.build(provider, "http://hub/hook", "s", {"a": "å"}, **options)
    assert signed.body == '{"a":"å"}'.encode()
    assert signed.headers[header] == expected(signed.body)
    assert signed.headers["Content-Type"] == "application/json"


def test_builders_carry_the_headers_each_provider_sends():
    body = b"command=%2Fdeploy&text=now"
    slack = webhooks.build("slack", "http://hub/h", SLACK_SECRET, body, timestamp=1531420618)
    assert slack.headers["X-Slack-Request-Timestamp"] == "1531420618"
    assert slack.headers["X-Slack-Signature"] == webhooks.slack_signature(
        SLACK_SECRET, 1531420618, body
    )
    assert slack.headers["Content-Type"] == "application/x-www-form-urlencoded"
    github = webhooks.build("github", "http://hub/h", "k", {"zen": "z"}, event="push")
    assert github.headers["X-GitHub-Event"] == "push" and github.headers["X-GitHub-Delivery"]
    v3 = webhooks.build("hubspot", SDK_URI, HUBSPOT_SECRET, SDK_BODY, timestamp_ms=15000000)
    assert v3.headers["X-HubSpot-Signature-v3"] == "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="
    assert v3.headers["X-HubSpot-Request-Timestamp"] == "15000000"
    v2 = webhooks.build("hubspot", SDK_URI, HUBSPOT_SECRET, SDK_BODY, version="v2")
    assert v2.headers["X-HubSpot-Signature"].startswith("4fe4e3a7")
    assert v2.headers["X-HubSpot-Signature-Version"] == "v2"
    notion = webhooks.build("notion", "http://hub/h", NOTION_TOKEN, b"{}", timestamped=True)
    ts = notion.headers["X-Notion-Request-Timestamp"]
    assert notion.headers["X-Notion-Signature"] == "sha256=" + _hex(
        NOTION_TOKEN, f"{ts}.{{}}".encode()
    )
    keyed = webhooks.build("dynamics", "http://hub/h?x=1", "k&1", {}, auth="webhook_key")
    assert keyed.url == "http://hub/h?x=1&code=k%261"
    assert keyed.headers["x-ms-dynamics-entity-name"] == "contact"


def test_unknown_provider_or_hubspot_version_is_refused():
    with pytest.raises(ValueError, match="no webhook signer"):
        webhooks.build("myspace", "http://hub/h", "s", {})
    with pytest.raises(ValueError, match="v1, v2, v3"):
        webhooks.build("hubspot", "http://hub/h", "s", {}, version="v4")


def test_send_posts_the_exact_signed_bytes():
    with Receiver() as receiver:
        signed = webhooks.build(
            "github", receiver.url, "It's a Secret to Everybody", "Hello, World!"
        )
        assert webhooks.send(signed).status_code == 200
        (got,) = receiver.wait_for(1)
    assert got.body == b"Hello, World!"
    assert got.header("X-Hub-Signature-256") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_v3_timestamps_are_milliseconds_and_fresh():
    signed = webhooks.build("hubspot", "http://hub/h", HUBSPOT_SECRET, [])
    stamp = int(signed.headers["X-HubSpot-Request-Timestamp"])
    assert abs(stamp - time.time() * 1000) < 5000
    expected = base64.b64encode(
        hmac.new(
            HUBSPOT_SECRET.encode(), b"POSThttp://hub/h[]" + str(stamp).encode(), "sha256"
        ).digest()
    ).decode()
    assert signed.headers["X-HubSpot-Signature-v3"] == expected
