"""Webhooks to the hub, signed exactly as each real provider signs them (PROVIDERS.md has the
schemes and the published vectors the tests check). Written independently of the hub's own
verifiers, so a test that sends with these proves the hub verifies what providers send.

``build(provider, url, secret, payload, **options)`` makes a ``SignedRequest``; ``send()`` POSTs
it. The ``*_signature`` functions are the bare schemes."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.sandbox.events import sample_event

__all__ = ["BUILDERS", "SignedRequest", "build", "sample_event", "send"]

Payload = bytes | str | dict[str, Any] | list[Any]


@dataclass(frozen=True)
class SignedRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


# The schemes ----------------------------------------------------------------------------


def _hmac(key: str | bytes, message: bytes) -> bytes:
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, message, hashlib.sha256).digest()


def hex_hmac(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body (the seeds' HubSpot, Salesforce, Dynamics variants)."""
    return _hmac(secret, body).hex()


def slack_signature(secret: str, timestamp: int | str, body: bytes) -> str:
    return "v0=" + _hmac(secret, f"v0:{timestamp}:".encode() + body).hex()


def github_signature(secret: str, body: bytes) -> str:
    """``X-Hub-Signature-256``; Meta (WhatsApp, Messenger, Instagram) signs the same way."""
    return "sha256=" + hex_hmac(secret, body)


meta_signature = github_signature


def hubspot_v1_signature(client_secret: str, body: bytes) -> str:
    return hashlib.sha256(client_secret.encode() + body).hexdigest()


def hubspot_v2_signature(client_secret: str, method: str, uri: str, body: bytes) -> str:
    return hashlib.sha256(f"{client_secret}{method.upper()}{uri}".encode() + body).hexdigest()


def hubspot_v3_signature(
    client_secret: str, method: str, uri: str, body: bytes, timestamp_ms: int | str
) -> str:
    signed = f"{method.upper()}{uri}".encode() + body + str(timestamp_ms).encode()
    return base64.b64encode(_hmac(client_secret, signed)).decode()


def linkedin_signature(client_secret: str, body: bytes, prefixed: bool = False) -> str:
    """LinkedIn's text reads both ways: over the body, or over ``"hmacsha256=" + body``."""
    return hex_hmac(client_secret, (b"hmacsha256=" if prefixed else b"") + body)


def notion_signature(token: str, body: bytes, timestamp: int | str | None = None) -> str:
    """Notion signs the body; seed 001's variant signs ``{timestamp}.{body}``."""
    signed = body if timestamp is None else f"{timestamp}.".encode() + body
    return "sha256=" + hex_hmac(token, signed)


def standard_signature(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """Standard Webhooks ``v1,<base64>``; a ``whsec_`` secret's key is its decoded part."""
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    return "v1," + base64.b64encode(_hmac(key, f"{msg_id}.{timestamp}.".encode() + body)).decode()


# Requests as each provider sends them -----------------------------------------------------


def _encode(payload: Payload) -> tuple[bytes, str]:
    if isinstance(payload, dict | list):
        # UTF-8, not \u escapes, as providers send it: verifiers must sign the raw bytes.
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return text.encode(), "application/json"
    body = payload.encode() if isinstance(payload, str) else payload
    try:
        json.loads(body)
    except ValueError:  # Slack slash commands and interactivity are form-encoded
        return body, "application/x-www-form-urlencoded"
    return body, "application/json"


def _signed(
    url: str, payload: Payload, headers: Callable[[bytes], dict[str, str]]
) -> SignedRequest:
    body, content_type = _encode(payload)
    return SignedRequest("POST", url, {"Content-Type": content_type, **headers(body)}, body)


def slack_request(
    url: str, secret: str, payload: Payload, *, timestamp: int | None = None
) -> SignedRequest:
    ts = timestamp or int(time.time())
    return _signed(
        url,
        payload,
        lambda body: {
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": slack_signature(secret, ts, body),
        },
    )


def github_request(
    url: str, secret: str, payload: Payload, *, event: str = "ping", delivery: str | None = None
) -> SignedRequest:
    delivery = delivery or str(uuid.uuid4())
    return _signed(
        url,
        payload,
        lambda body: {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": github_signature(secret, body),
            "User-Agent": "GitHub-Hookshot/sandbox",
        },
    )


def meta_request(url: str, secret: str, payload: Payload) -> SignedRequest:
    return _signed(url, payload, lambda body: {"X-Hub-Signature-256": meta_signature(secret, body)})


def hubspot_request(
    url: str, secret: str, payload: Payload, *, version: str = "v3", timestamp_ms: int | None = None
) -> SignedRequest:
    """``version``: v1, v2, v3 (HubSpot's three), or "seed" (seed 000: hex HMAC, no version)."""
    stamp = timestamp_ms or int(time.time() * 1000)

    def headers(body: bytes) -> dict[str, str]:
        if version == "v3":
            return {
                "X-HubSpot-Request-Timestamp": str(stamp),
                "X-HubSpot-Signature-v3": hubspot_v3_signature(secret, "POST", url, body, stamp),
            }
        if version == "seed":
            return {"X-HubSpot-Signature": hex_hmac(secret, body)}
        signature = (
            hubspot_v1_signature(secret, body)
            if version == "v1"
            else hubspot_v2_signature(secret, "POST", url, body)
        )
        return {"X-HubSpot-Signature": signature, "X-HubSpot-Signature-Version": version}

    if version not in ("v1", "v2", "v3", "seed"):
        raise ValueError(f"HubSpot signature version {version!r}: v1, v2, v3 or seed")
    return _signed(url, payload, headers)


def linkedin_request(
    url: str, secret: str, payload: Payload, *, prefixed: bool = False
) -> SignedRequest:
    return _signed(
        url, payload, lambda body: {"X-LI-Signature": linkedin_signature(secret, body, prefixed)}
    )


def notion_request(
    url: str, secret: str, payload: Payload, *, timestamped: bool = False
) -> SignedRequest:
    ts = int(time.time()) if timestamped else None

    def headers(body: bytes) -> dict[str, str]:
        found = {"X-Notion-Signature": notion_signature(secret, body, ts)}
        return found | ({"X-Notion-Request-Timestamp": str(ts)} if ts is not None else {})

    return _signed(url, payload, headers)


def standard_request(
    url: str,
    secret: str,
    payload: Payload,
    *,
    msg_id: str | None = None,
    timestamp: int | None = None,
) -> SignedRequest:
    msg_id, ts = msg_id or f"msg_{uuid.uuid4().hex}", timestamp or int(time.time())
    return _signed(
        url,
        payload,
        lambda body: {
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": standard_signature(secret, msg_id, ts, body),
        },
    )


def salesforce_request(
    url: str, secret: str, payload: Payload, *, variant: str = "000"
) -> SignedRequest:
    """Salesforce signs nothing; the seeds' variants: 000 ``X-Salesforce-Signature: <hex>``,
    001 ``X-Salesforce-Event-Signature: sha256=<hex>``."""
    if variant == "001":
        return _signed(
            url,
            payload,
            lambda body: {"X-Salesforce-Event-Signature": "sha256=" + hex_hmac(secret, body)},
        )
    return _signed(url, payload, lambda body: {"X-Salesforce-Signature": hex_hmac(secret, body)})


def dynamics_request(
    url: str,
    secret: str,
    payload: Payload,
    *,
    auth: str = "header",
    header_name: str = "X-Api-Key",
    organization: str = "sandbox",
    entity: str = "contact",
    message: str = "Update",
) -> SignedRequest:
    """Dataverse signs nothing: the registration names an ``HttpHeader`` (``header_name`` with
    the secret as value), a ``WebhookKey`` (``?code=<secret>``), or seed 000's
    ``X-Dynamics-Signature`` hex HMAC (``auth="seed"``)."""
    if auth == "webhook_key":
        url += ("&" if "?" in url else "?") + urlencode({"code": secret})
    if auth not in ("header", "webhook_key", "seed"):
        raise ValueError(f"Dynamics auth {auth!r}: header, webhook_key or seed")
    sent = {
        "x-ms-dynamics-organization": organization,
        "x-ms-dynamics-entity-name": entity,
        "x-ms-dynamics-request-name": message,
        "x-ms-correlation-request-id": str(uuid.uuid4()),
    }

    def headers(body: bytes) -> dict[str, str]:
        if auth == "header":
            return sent | {header_name: secret}
        if auth == "seed":
            return sent | {"X-Dynamics-Signature": hex_hmac(secret, body)}
        return sent

    return _signed(url, payload, headers)


def zapier_request(
    url: str, secret: str, payload: Payload, *, header_name: str = "X-Api-Key"
) -> SignedRequest:
    """Zaps sign nothing; with a secret it goes in ``header_name`` (the registration's shared
    header), without one the POST is plain."""
    return _signed(url, payload, lambda body: {header_name: secret} if secret else {})


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@functools.lru_cache(maxsize=8)
def _rsa_private_key(private_key_pem: str) -> rsa.RSAPrivateKey:
    # Loading checks the key, which takes ~0.1 s: a demo or test signs many pushes with one key.
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("Google signs with RSA keys: private_key_pem must hold one")
    return key


def google_oidc_token(private_key_pem: str, kid: str, claims: dict[str, Any]) -> str:
    """An RS256 JWT as Google signs Pub/Sub push tokens (header ``alg``, ``kid``, ``typ``)."""
    key = _rsa_private_key(private_key_pem)
    header = {"alg": "RS256", "kid": kid, "typ": "JWT"}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def google_request(
    url: str,
    secret: str,
    payload: Payload,
    *,
    private_key_pem: str,
    kid: str,
    service_account_email: str,
    audience: str | None = None,
) -> SignedRequest:
    """A Pub/Sub push: ``Authorization: Bearer <OIDC token>`` for ``service_account_email``,
    audience the push endpoint (``url`` without its query) unless given. Pub/Sub has no shared
    secret: ``secret`` is unused; the key is the one the hub's certs URL publishes as ``kid``."""
    now = int(time.time())
    parts = urlsplit(url)
    claims = {
        "aud": audience or urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        "azp": "113774264463038321964",
        "email": service_account_email,
        "email_verified": True,
        "exp": now + 3600,
        "iat": now,
        "iss": "https://accounts.google.com",
        "sub": "113774264463038321964",
    }
    token = google_oidc_token(private_key_pem, kid, claims)
    return _signed(
        url,
        payload,
        lambda body: {
            "Authorization": f"Bearer {token}",
            "User-Agent": "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)",
        },
    )


BUILDERS: dict[str, Callable[..., SignedRequest]] = {
    "slack": slack_request,
    "github": github_request,
    "hubspot": hubspot_request,
    "meta": meta_request,
    "whatsapp": meta_request,
    "linkedin": linkedin_request,
    "notion": notion_request,
    "standard": standard_request,
    "salesforce": salesforce_request,
    "dynamics": dynamics_request,
    "zapier": zapier_request,
    "google": google_request,
}


def build(provider: str, url: str, secret: str, payload: Payload, **options: Any) -> SignedRequest:
    try:
        builder = BUILDERS[provider]
    except KeyError:
        raise ValueError(
            f"no webhook signer for {provider!r}; known: {', '.join(BUILDERS)}"
        ) from None
    try:
        return builder(url, secret, payload, **options)
    except TypeError as exc:  # an option this provider's signer doesn't take
        raise ValueError(f"{provider}: {exc}") from None


def send(
    signed: SignedRequest, *, timeout: float = 10.0, session: requests.Session | None = None
) -> requests.Response:
    """POST it as the provider would: the exact bytes that were signed, no redirects."""
    http = session or requests
    return http.request(
        signed.method,
        signed.url,
        data=signed.body,
        headers=signed.headers,
        timeout=timeout,
        allow_redirects=False,
    )
