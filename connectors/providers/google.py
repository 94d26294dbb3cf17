"""Google Cloud Pub/Sub push subscriptions, authenticated by Google-signed OIDC tokens.

Inbound: Pub/Sub signs nothing with a shared secret. Each push carries
``Authorization: Bearer <JWT>`` signed (RS256) by one of the keys Google publishes at
``settings.GOOGLE_PUBSUB_CERTS_URL`` (a JWKS or PEM certificates by key id, cached); the token
names the push's audience and the subscription's service account. Anyone can mint such a token
for any audience from their own service account, so the configured ``service_account_email``
is what makes the push ours."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.cache import cache

from connectors.providers.base import AuthType, ConnectorDefinition, Field
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    ParsedEvent,
    SignatureInvalid,
    VerifyContext,
    as_list,
    body_key,
    from_iso,
    require_header,
)
from core.http import outbound_session

ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
# Clocks differ a little between Google and the hub; tokens live an hour.
CLOCK_SKEW_SECONDS = 60
MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600


def verify(request: InboundRequest, context: VerifyContext) -> None:
    expected_email = str(context.config.get("service_account_email") or "")
    if not expected_email:
        raise SignatureInvalid("no service_account_email configured for this registration")
    token = _bearer_token(request)
    claims = _verified_claims(token)
    _check_claims(claims, audiences=_audiences(request, context.config), now=context.now)
    if claims.get("email") != expected_email:
        raise SignatureInvalid(f"token email {claims.get('email')!r} is not {expected_email!r}")
    if claims.get("email_verified") is not True:
        raise SignatureInvalid("token email is not verified")


def _bearer_token(request: InboundRequest) -> str:
    scheme, _, token = require_header(request, "Authorization").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise SignatureInvalid("Authorization is not 'Bearer <token>'")
    return token


def _verified_claims(token: str) -> dict[str, Any]:
    """The token's claims once its RS256 signature checks out against Google's key ``kid``."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise SignatureInvalid(f"bearer token is not a JWT: {exc}") from None
    if header.get("alg") != "RS256":
        raise SignatureInvalid(f"token algorithm {header.get('alg')!r} is not RS256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise SignatureInvalid("token names no key id (kid)")
    key = signing_key(kid)
    try:
        # Only the signature here: the claims are checked against the hub's clock below.
        return jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            options={
                "verify_signature": True,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise SignatureInvalid(f"token signature does not match: {exc}") from None


# --- Google's keys ---------------------------------------------------------------------------
CERTS_CACHE_PREFIX = "google:pubsub:jwks:"
CERTS_TTL_SECONDS = (60, 3600, 24 * 3600)  # least, default (no max-age), most
# A token naming an unknown key refetches the keys (Google rotates them), at most this often,
# so tokens with made-up key ids can't turn every request into a fetch.
REFETCH_PAUSE = 30  # seconds
FETCH_TIMEOUT_SECONDS = 5.0
_MAX_AGE = re.compile(r"max-age=(\d+)")


def signing_key(kid: str) -> Any:
    """Google's public key ``kid``, from the cached JWKS or, for an unknown kid, a fresh one."""
    url = settings.GOOGLE_PUBSUB_CERTS_URL
    cache_key = _certs_cache_key(url)
    jwks = cache.get(cache_key)
    fetched = jwks is None
    if fetched:
        jwks = _fetch_certs(url)
    key = _find_key(jwks, kid)
    if key is None and not fetched and cache.add(f"{cache_key}:refetch", 1, REFETCH_PAUSE):
        key = _find_key(_fetch_certs(url), kid)
    if key is None:
        raise SignatureInvalid(f"token key id {kid!r} is not one of Google's current keys")
    return key


def forget_certs() -> None:
    """Drop the cached keys (and the refetch pause) of the configured certs URL."""
    cache_key = _certs_cache_key(settings.GOOGLE_PUBSUB_CERTS_URL)
    cache.delete_many([cache_key, f"{cache_key}:refetch"])


def _certs_cache_key(url: str) -> str:
    return CERTS_CACHE_PREFIX + hashlib.sha256(url.encode()).hexdigest()[:24]


def _fetch_certs(url: str) -> dict[str, Any]:
    """GET the JWKS through the hub's one outbound seam. Failing to reach Google is answered as
    a refused token (401): Pub/Sub retries the push, and the registration records why."""
    session = outbound_session(pool_maxsize=1)
    try:
        response = session.get(
            url, timeout=(FETCH_TIMEOUT_SECONDS, FETCH_TIMEOUT_SECONDS), allow_redirects=False
        )
    except requests.RequestException as exc:
        raise SignatureInvalid(f"can't fetch Google's certs: {type(exc).__name__}") from None
    finally:
        session.close()
    if response.status_code != 200:
        raise SignatureInvalid(f"Google's certs answered HTTP {response.status_code}")
    try:
        jwks = _as_jwks(response.json())
    except ValueError:
        jwks = None
    if jwks is None:
        raise SignatureInvalid("Google's certs are not a JWKS nor PEM certificates by key id")
    cache.set(_certs_cache_key(url), jwks, _certs_ttl(response.headers.get("Cache-Control", "")))
    return jwks


def _as_jwks(document: Any) -> dict[str, Any] | None:
    """Google publishes its keys in two forms: a JWKS (oauth2/v3/certs) and X.509 certificates
    by key id, ``{kid: "-----BEGIN CERTIFICATE-----..."}`` (oauth2/v1/certs, what google-auth
    verifies against by default). Either is kept as a JWKS, so the cache and the lookup by kid
    know one form; None for a document that is neither (or holds no certificate at all)."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("keys"), list):
        return document
    if not all(isinstance(pem, str) for pem in document.values()):
        return None
    keys = [jwk for kid, pem in document.items() if (jwk := _certificate_jwk(kid, pem))]
    return {"keys": keys} if keys else None


def _certificate_jwk(kid: str, pem: str) -> dict[str, Any] | None:
    """The RSA public key of a certificate as a JWK. Only the key counts, as with google-auth:
    Google lists the certificates in force, and their validity dates are not the tokens'."""
    try:
        public_key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    except ValueError:
        return None
    if not isinstance(public_key, rsa.RSAPublicKey):
        return None
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public_key, as_dict=True)
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def _certs_ttl(cache_control: str) -> int:
    least, default, most = CERTS_TTL_SECONDS
    found = _MAX_AGE.search(cache_control)
    return min(max(int(found.group(1)), least), most) if found else default


def _find_key(jwks: Mapping[str, Any], kid: str) -> Any:
    for jwk in jwks.get("keys", []):
        if isinstance(jwk, dict) and jwk.get("kid") == kid and jwk.get("kty") == "RSA":
            try:
                return jwt.PyJWK(jwk, algorithm="RS256").key
            except (jwt.PyJWTError, ValueError, TypeError):  # a key Google didn't publish whole
                return None
    return None


# --- claims ----------------------------------------------------------------------------------


def _audiences(request: InboundRequest, config: Mapping[str, Any]) -> set[str]:
    """The configured audience, else the push endpoint: Pub/Sub's default audience is the
    endpoint URL as subscribed, which is this URL with (or, usually, without) its query."""
    configured = config.get("audience")
    if configured:
        return {str(configured)}
    parts = urlsplit(request.url)
    return {urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), request.url}


def _check_claims(claims: Mapping[str, Any], *, audiences: set[str], now: float) -> None:
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or issuer not in ISSUERS:
        raise SignatureInvalid(f"token issuer {issuer!r} is not Google")
    audience = claims.get("aud")  # a JWT may name several audiences; Google names one
    received = audience if isinstance(audience, list) else [audience]
    if not any(isinstance(aud, str) and aud in audiences for aud in received):
        raise SignatureInvalid(f"token audience {audience!r} is not {sorted(audiences)}")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _is_number(exp) or not _is_number(iat):
        raise SignatureInvalid("token has no numeric exp and iat")
    if now > exp + CLOCK_SKEW_SECONDS:
        raise SignatureInvalid("token expired")
    if iat > now + CLOCK_SKEW_SECONDS:
        raise SignatureInvalid("token issued in the future (clock skew)")
    if exp - iat > MAX_TOKEN_LIFETIME_SECONDS:
        raise SignatureInvalid("token lifetime is longer than Google issues")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse(request: InboundRequest) -> list[ParsedEvent]:
    """``{"message": {"data", "messageId", "publishTime", "attributes"}, "subscription"}``;
    Pub/Sub sends each id and time in camelCase and snake_case both."""
    events = []
    for push in as_list(request.json()):
        message = push.get("message") if isinstance(push, dict) else None
        if not isinstance(message, dict):
            raise MalformedBody('expected a Pub/Sub push: {"message": {...}, "subscription": ...}')
        _check_data(message.get("data"))
        message_id = str(message.get("messageId") or message.get("message_id") or "")
        events.append(
            ParsedEvent(
                event_type="message",
                dedupe_key=message_id or body_key(push),
                payload=push,
                object_type="pubsub_message",
                object_id=message_id,
                occurred_at=from_iso(message.get("publishTime") or message.get("publish_time")),
            )
        )
    return events


def _check_data(data: Any) -> None:
    if data is None:
        return  # a message may carry attributes only
    if not isinstance(data, str):
        raise MalformedBody("message.data must be a base64 string")
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedBody(f"message.data is not base64: {exc}") from None


DEFINITION = ConnectorDefinition(
    code="google",
    name="Google Cloud Pub/Sub",
    description="Receive Pub/Sub push messages (OIDC-authenticated).",
    auth_type=AuthType.NONE,
    config_fields=(
        Field("service_account_email", "The push subscription's service account"),
        Field("audience", "Expected token audience; default the push endpoint URL", required=False),
    ),
    events=("message",),
)
