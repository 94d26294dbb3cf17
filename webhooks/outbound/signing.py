"""How Switchboard signs what it sends (PROVIDERS.md, "Standard Webhooks" and "Outbound
headers"): Standard Webhooks ``v1`` signatures over ``id.timestamp.body``, plus the seeds'
hex ``X-Webhook-Signature`` over ``timestamp.body``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
MIN_SECRET_LENGTH = 16


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_problem(secret: str) -> str | None:
    """Why a subscriber-chosen secret can't be used, or None."""
    if len(secret) < MIN_SECRET_LENGTH:
        return f"must be at least {MIN_SECRET_LENGTH} characters"
    if secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error:
            return f"a secret starting with {SECRET_PREFIX!r} must be base64 after the prefix"
        if len(key) < 16:
            return f"a {SECRET_PREFIX!r} secret must decode to at least 16 bytes"
    return None


def standard_key(secret: str) -> bytes:
    """``whsec_<base64>`` keys are the decoded bytes; any other secret is its UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX) :])
    return secret.encode()


def standard_signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def seed_signature(secret: str, *, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_headers(
    signing_secrets: list[str], *, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Headers for a body signed with each secret, newest first (two during a rotation)."""
    newest, *older = signing_secrets
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(s, msg_id=msg_id, timestamp=timestamp, body=body)
            for s in signing_secrets
        ),
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": seed_signature(newest, timestamp=timestamp, body=body),
    }
    if older:
        headers["X-Webhook-Signature-Previous"] = seed_signature(
            older[0], timestamp=timestamp, body=body
        )
    return headers
