"""What Switchboard sends verifies with independent code: the standardwebhooks library and
seed 003's Python snippet. Vectors from PROVIDERS.md."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from webhooks.outbound import signing

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_published_standard_webhooks_vector():
    signature = signing.standard_signature(
        VECTOR_SECRET,
        msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
        body=b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def seed_003_verify(secret: str, timestamp: str, raw_body: str, signature_header: str) -> bool:
    """Seed 003's snippet, as its README gives it."""
    expected = hmac.new(
        secret.encode(), f"{timestamp}.{raw_body}".encode(), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature_header)


def _standard_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("webhook-")}


@pytest.mark.parametrize("secret", [signing.generate_secret(), "plain-secret-of-24-chars"])
def test_headers_verify_with_the_library_and_the_seed_snippet(secret):
    import time

    body = b'{"type":"client.created","data":{"name":"\xc3\x85se"}}'
    headers = signing.signature_headers(
        [secret], msg_id="d-1", timestamp=int(time.time()), body=body
    )
    library_key = secret if secret.startswith("whsec_") else secret.encode()
    assert Webhook(library_key).verify(body, _standard_headers(headers)) is not None
    assert seed_003_verify(
        secret, headers["X-Webhook-Timestamp"], body.decode(), headers["X-Webhook-Signature"]
    )


def test_rotation_sends_two_signatures_each_verifying_with_its_secret():
    import time

    new, old = signing.generate_secret(), signing.generate_secret()
    body = b'{"ok":true}'
    headers = signing.signature_headers(
        [new, old], msg_id="d-2", timestamp=int(time.time()), body=body
    )
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (new, old):
        Webhook(secret).verify(body, _standard_headers(headers))
    assert seed_003_verify(
        new, headers["X-Webhook-Timestamp"], body.decode(), headers["X-Webhook-Signature"]
    )
    assert seed_003_verify(
        old, headers["X-Webhook-Timestamp"], body.decode(), headers["X-Webhook-Signature-Previous"]
    )
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.generate_secret()).verify(body, _standard_headers(headers))


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("short", "at least 16"),
        ("whsec_not*base64*at*all!!", "base64"),
        ("whsec_MDEyMzQ1Njc4OQ==", "16 bytes"),
        ("a-perfectly-fine-secret", None),
    ],
)
def test_secret_rules(secret, problem):
    found = signing.secret_problem(secret)
    assert (found is None) if problem is None else (problem in found)
