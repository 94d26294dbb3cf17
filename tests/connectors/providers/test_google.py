"""Google Pub/Sub push: OIDC tokens verified against Google's keys, here served by a real local
HTTP server that ``GOOGLE_PUBSUB_CERTS_URL`` points at, with RSA keys made here: as a JWKS
(oauth2/v3/certs) or as X.509 certificates by key id (oauth2/v1/certs)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from connectors.providers import google
from connectors.providers.inbound import (
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
    VerifyContext,
)
from connectors.sandbox import webhooks
from tests.connectors.providers.inbound_support import FIXTURES, URL, load, to_inbound

EMAIL = "pubsub-push@switchboard-demo.iam.gserviceaccount.com"
KID = "b2620d5e7f132b52afe8875cdf3776c064249d04"
FIXTURE = FIXTURES / "google" / "message.json"
DROP = object()


@dataclass(frozen=True)
class Ago:
    """A claim time relative to when the token is made (parameters are built at collection)."""

    seconds: int


class CertsServer:
    """Google's certs endpoint: a JWKS with Google's cache headers, and a request count."""

    def __init__(self) -> None:
        self.jwks: dict = {"keys": []}
        self.status = 200
        self.body: bytes | None = None  # overrides the JWKS when set
        self.fetches = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/oauth2/v3/certs"

    def _handler(self):
        certs = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                certs.fetches += 1
                body = certs.body if certs.body is not None else json.dumps(certs.jwks).encode()
                self.send_response(certs.status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Cache-Control", "public, max-age=19800, must-revalidate")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        return Handler


def _rsa_key() -> tuple[str, dict]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[str, dict]]:
    return {"google": _rsa_key(), "rotated": _rsa_key(), "attacker": _rsa_key()}


@pytest.fixture(scope="module")
def certs_server():
    server = CertsServer()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def certs(certs_server, keys, settings):
    """Google's keys on a local server, nothing cached: every test starts with a fresh fetch."""
    settings.GOOGLE_PUBSUB_CERTS_URL = certs_server.url
    certs_server.jwks = {"keys": [_jwk(keys["google"], KID)]}
    certs_server.status, certs_server.body, certs_server.fetches = 200, None, 0
    google.forget_certs()
    yield certs_server
    google.forget_certs()


def _jwk(key: tuple[str, dict], kid: str) -> dict:
    return {**key[1], "kid": kid, "alg": "RS256", "use": "sig"}


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {
        "aud": URL,
        "azp": "113774264463038321964",
        "email": EMAIL,
        "email_verified": True,
        "exp": now + 3600,
        "iat": now,
        "iss": "https://accounts.google.com",
        "sub": "113774264463038321964",
    }
    claims.update({k: now - v.seconds if isinstance(v, Ago) else v for k, v in overrides.items()})
    return {k: v for k, v in claims.items() if v is not DROP}


def _token(keys, *, key: str = "google", kid: str = KID, **overrides) -> str:
    return webhooks.google_oidc_token(keys[key][0], kid, _claims(**overrides))


def _push(authorization: str | None, *, url: str = URL, body: bytes | None = None):
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    return InboundRequest("POST", url, headers, {}, FIXTURE.read_bytes() if body is None else body)


def _context(**config) -> VerifyContext:
    return VerifyContext(
        secret="", config={"service_account_email": EMAIL, **config}, now=time.time()
    )


# --- verify ------------------------------------------------------------------------------


def test_a_push_signed_as_google_signs_verifies_and_parses(certs, keys):
    signed = webhooks.build(
        "google", URL, "", FIXTURE.read_bytes(),
        private_key_pem=keys["google"][0], kid=KID, service_account_email=EMAIL,
    )  # fmt: skip
    request = to_inbound(signed)
    google.verify(request, _context())
    (event,) = google.parse(request)
    assert (event.event_type, event.dedupe_key) == ("message", "2070443601311540")


def test_the_sandbox_signs_for_the_push_url_without_its_query_or_for_a_given_audience(certs, keys):
    options = {"private_key_pem": keys["google"][0], "kid": KID, "service_account_email": EMAIL}
    with_query = to_inbound(webhooks.build("google", URL + "?v=1", "", b"{}", **options))
    google.verify(with_query, _context())
    custom = "https://pubsub-push.example.com/ingest"
    aimed = to_inbound(webhooks.build("google", URL, "", b"{}", audience=custom, **options))
    google.verify(aimed, _context(audience=custom))
    with pytest.raises(SignatureInvalid, match="audience"):
        google.verify(aimed, _context())


def test_the_keys_are_fetched_once_then_cached(certs, keys):
    for _ in range(3):
        google.verify(_push(f"Bearer {_token(keys)}"), _context())
    assert certs.fetches == 1


def test_a_rotated_key_is_fetched_and_a_made_up_one_does_not_refetch_each_time(certs, keys):
    google.verify(_push(f"Bearer {_token(keys)}"), _context())
    certs.jwks["keys"].append(_jwk(keys["rotated"], "rotated-kid"))
    google.verify(_push(f"Bearer {_token(keys, key='rotated', kid='rotated-kid')}"), _context())
    assert certs.fetches == 2
    with pytest.raises(SignatureInvalid, match="not one of Google's current keys"):
        google.verify(_push(f"Bearer {_token(keys, kid='made-up')}"), _context())
    assert certs.fetches == 2  # refetched moments ago: not again


def test_an_unknown_key_id_is_refused(certs, keys):
    with pytest.raises(SignatureInvalid, match="'made-up' is not one of Google's current keys"):
        google.verify(_push(f"Bearer {_token(keys, kid='made-up')}"), _context())


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "https://hub.example.com/webhooks/another"}, "audience"),
        ({"iss": "https://evil.example.com"}, "issuer"),
        ({"iss": DROP}, "issuer"),
        ({"iss": ["https://accounts.google.com"]}, "issuer"),
        ({"aud": [{"url": URL}]}, "audience"),
        ({"exp": Ago(3600), "iat": Ago(7200)}, "expired"),
        ({"iat": Ago(-900), "exp": Ago(-4500)}, "future"),
        ({"exp": Ago(-3 * 86400)}, "lifetime"),
        ({"exp": DROP}, "exp and iat"),
        ({"iat": "now"}, "exp and iat"),
        ({"email": "someone-else@other-project.iam.gserviceaccount.com"}, "is not"),
        ({"email": DROP}, "is not"),
        ({"email_verified": False}, "not verified"),
        ({"email_verified": "true"}, "not verified"),
    ],
    ids=[
        "wrong-audience", "wrong-issuer", "no-issuer", "issuer-list", "audience-objects",
        "expired", "issued-in-future", "too-long-lived", "no-exp", "text-iat", "wrong-email",
        "no-email", "email-unverified", "email-verified-as-text",
    ],
)  # fmt: skip
def test_claims_other_than_googles_for_this_push_are_refused(certs, keys, overrides, reason):
    with pytest.raises(SignatureInvalid, match=reason):
        google.verify(_push(f"Bearer {_token(keys, **overrides)}"), _context())


def test_both_google_issuer_spellings_are_accepted(certs, keys):
    google.verify(_push(f"Bearer {_token(keys, iss='accounts.google.com')}"), _context())


def test_a_token_naming_several_audiences_counts_if_this_push_is_one(certs, keys):
    token = _token(keys, aud=["https://elsewhere.example.com/push", URL])
    google.verify(_push(f"Bearer {token}"), _context())


def test_a_little_clock_skew_is_tolerated(certs, keys):
    now = int(time.time())
    skewed = _token(keys, iat=now + 30, exp=now + 3630)
    google.verify(_push(f"Bearer {skewed}"), _context())


def test_the_hubs_clock_decides_expiry():
    # ``context.now`` is the hub's clock: a token fine now is expired an hour and more later.
    claims = _claims()
    google._check_claims(claims, audiences={URL}, now=claims["iat"])
    with pytest.raises(SignatureInvalid, match="expired"):
        google._check_claims(claims, audiences={URL}, now=claims["exp"] + 61)


def test_the_audience_is_the_configured_one_when_set(certs, keys):
    custom = "https://pubsub-push.example.com/ingest"
    token = f"Bearer {_token(keys, aud=custom)}"
    google.verify(_push(token), _context(audience=custom))
    with pytest.raises(SignatureInvalid, match="audience"):
        google.verify(_push(token), _context())
    with pytest.raises(SignatureInvalid, match="audience"):
        google.verify(_push(f"Bearer {_token(keys)}"), _context(audience=custom))


def test_the_default_audience_is_the_push_url_with_or_without_its_query(certs, keys):
    with_query = URL + "?token=abc"
    google.verify(_push(f"Bearer {_token(keys)}", url=with_query), _context())
    google.verify(_push(f"Bearer {_token(keys, aud=with_query)}", url=with_query), _context())


def test_a_tampered_token_is_refused(certs, keys):
    header, _, signature = _token(keys).split(".")
    forged = base64.urlsafe_b64encode(json.dumps(_claims(email=EMAIL + ".evil")).encode())
    tampered = f"{header}.{forged.rstrip(b'=').decode()}.{signature}"
    with pytest.raises(SignatureInvalid, match="signature does not match"):
        google.verify(_push(f"Bearer {tampered}"), _context())


def test_a_token_signed_with_another_key_under_googles_key_id_is_refused(certs, keys):
    with pytest.raises(SignatureInvalid, match="signature does not match"):
        google.verify(_push(f"Bearer {_token(keys, key='attacker')}"), _context())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_tokens_not_signed_with_rs256_are_refused(certs, keys):
    # Algorithm confusion: an HMAC "signed" with Google's public key, and no signature at all.
    claims = _b64url(json.dumps(_claims()).encode())
    tokens = []
    for alg in ("HS256", "none"):
        signing_input = _b64url(json.dumps({"alg": alg, "kid": KID}).encode()) + "." + claims
        public_key = json.dumps(keys["google"][1]).encode()
        mac = hmac.new(public_key, signing_input.encode(), hashlib.sha256).digest()
        tokens.append(signing_input + "." + (_b64url(mac) if alg == "HS256" else ""))
    for token in tokens:
        with pytest.raises(SignatureInvalid, match="is not RS256"):
            google.verify(_push(f"Bearer {token}"), _context())


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "missing Authorization"),
        ("", "missing Authorization"),
        ("Basic dXNlcjpwYXNz", "not 'Bearer <token>'"),
        ("Bearer ", "not 'Bearer <token>'"),
        ("Bearer not-a-jwt", "not a JWT"),
        ("Bearer a.b.c", "not a JWT"),
    ],
    ids=["missing", "empty", "basic", "bearer-nothing", "not-a-jwt", "garbage-segments"],
)
def test_missing_or_malformed_authorization_is_refused(certs, authorization, reason):
    with pytest.raises(SignatureInvalid, match=reason):
        google.verify(_push(authorization), _context())


def test_a_token_without_a_key_id_is_refused(certs, keys):
    token = jwt.encode(_claims(), keys["google"][0], algorithm="RS256")
    with pytest.raises(SignatureInvalid, match="no key id"):
        google.verify(_push(f"Bearer {token}"), _context())


def test_a_registration_without_a_service_account_accepts_nothing(certs, keys):
    # Anyone can mint a Google-signed token for this audience from their own service account.
    with pytest.raises(SignatureInvalid, match="no service_account_email"):
        google.verify(_push(f"Bearer {_token(keys)}"), VerifyContext(secret="", now=time.time()))


def _certificate(private_key, kid: str) -> str:
    """A self-signed X.509 certificate in PEM, as Google publishes one per key at v1/certs."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, kid)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=14))
        .sign(private_key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )


def _pem_certs(keys, **kids: str) -> bytes:
    """oauth2/v1/certs: ``{kid: "-----BEGIN CERTIFICATE-----..."}`` for each ``kid=key name``."""
    return json.dumps(
        {
            kid: _certificate(serialization.load_pem_private_key(keys[name][0].encode(), None), kid)
            for kid, name in kids.items()
        }
    ).encode()


def _pyjwt_token(keys, *, key: str = "google", kid: str = KID, **overrides) -> str:
    return jwt.encode(_claims(**overrides), keys[key][0], algorithm="RS256", headers={"kid": kid})


def test_googles_certificates_by_key_id_verify_a_push(certs, keys):
    # What google-auth verifies against by default: https://www.googleapis.com/oauth2/v1/certs
    certs.body = _pem_certs(keys, **{KID: "google", "e5b4e5cd5f0e": "rotated"})
    google.verify(_push(f"Bearer {_pyjwt_token(keys)}"), _context())
    rotated = _pyjwt_token(keys, key="rotated", kid="e5b4e5cd5f0e")
    google.verify(_push(f"Bearer {rotated}"), _context())
    assert certs.fetches == 1  # cached as the JWKS form is
    with pytest.raises(SignatureInvalid, match="signature does not match"):
        google.verify(_push(f"Bearer {_pyjwt_token(keys, key='attacker')}"), _context())
    with pytest.raises(SignatureInvalid, match="issuer"):
        google.verify(
            _push(f"Bearer {_pyjwt_token(keys, iss='https://evil.example.com')}"), _context()
        )


def test_a_certificate_added_at_rotation_is_fetched(certs, keys):
    certs.body = _pem_certs(keys, **{KID: "google"})
    google.verify(_push(f"Bearer {_pyjwt_token(keys)}"), _context())
    certs.body = _pem_certs(keys, **{KID: "google", "rotated-kid": "rotated"})
    google.verify(
        _push(f"Bearer {_pyjwt_token(keys, key='rotated', kid='rotated-kid')}"), _context()
    )
    assert certs.fetches == 2


def test_a_certificate_that_is_not_rsa_or_not_a_certificate_is_no_key(certs, keys):
    ec_key = ec.generate_private_key(ec.SECP256R1())
    certs.body = json.dumps(
        {KID: "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n",
         "ec-kid": _certificate(ec_key, "ec-kid"),
         "good-kid": json.loads(_pem_certs(keys, **{"good-kid": "google"}))["good-kid"]}
    ).encode()  # fmt: skip
    google.verify(_push(f"Bearer {_pyjwt_token(keys, kid='good-kid')}"), _context())
    for kid in (KID, "ec-kid"):
        with pytest.raises(SignatureInvalid, match="not one of Google's current keys"):
            google.verify(_push(f"Bearer {_pyjwt_token(keys, kid=kid)}"), _context())


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, None, "answered HTTP 500"),
        (200, b"<html>sign in</html>", "not a JWKS"),
        (200, b'{"certs": []}', "not a JWKS"),
        (200, b'{"kid": "no certificate"}', "not a JWKS"),
        (200, b"{}", "not a JWKS"),
    ],
)
def test_certs_google_cant_serve_refuse_the_push(certs, keys, status, body, reason):
    certs.status, certs.body = status, body
    with pytest.raises(SignatureInvalid, match=reason):
        google.verify(_push(f"Bearer {_token(keys)}"), _context())


def test_unreachable_certs_refuse_the_push(certs, keys, settings):
    settings.GOOGLE_PUBSUB_CERTS_URL = "http://127.0.0.1:9/oauth2/v3/certs"  # discard: closed
    with pytest.raises(SignatureInvalid, match="can't fetch Google's certs"):
        google.verify(_push(f"Bearer {_token(keys)}"), _context())


def test_the_certs_are_fetched_through_the_guarded_outbound_seam(certs, keys, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(SignatureInvalid, match="TargetNotAllowed"):
        google.verify(_push(f"Bearer {_token(keys)}"), _context())
    assert certs.fetches == 0


@pytest.mark.parametrize(
    ("cache_control", "ttl"),
    [
        ("public, max-age=19800, must-revalidate, no-transform", 19800),
        ("public, max-age=5", 60),
        ("max-age=9999999", 86400),
        ("no-cache", 3600),
        ("", 3600),
    ],
)
def test_keys_are_cached_as_long_as_google_says_within_bounds(cache_control, ttl):
    assert google._certs_ttl(cache_control) == ttl


# --- parse -------------------------------------------------------------------------------


def _parse(payload) -> list:
    return google.parse(_push(None, body=json.dumps(payload).encode()))


def test_a_push_is_keyed_by_its_message_id():
    (event,) = google.parse(_push(None))
    assert (event.event_type, event.dedupe_key) == ("message", "2070443601311540")
    assert (event.object_type, event.object_id) == ("pubsub_message", "2070443601311540")
    assert event.occurred_at == datetime(2021, 2, 26, 19, 13, 55, 749000, tzinfo=UTC)
    assert event.payload == load(FIXTURE)
    data = base64.b64decode(event.payload["message"]["data"])
    assert json.loads(data) == {"emailAddress": "user@example.com", "historyId": "1234567890"}


def test_snake_case_only_and_attribute_only_messages_parse():
    push = {
        "message": {"attributes": {"eventType": "OBJECT_FINALIZE"}, "message_id": "8823467812",
                    "publish_time": "2024-11-15T16:45:00.123456789Z"},
        "subscription": "projects/switchboard-demo/subscriptions/gcs-events",
    }  # fmt: skip
    (event,) = _parse(push)
    assert event.dedupe_key == "8823467812"
    # Pub/Sub times can carry nanoseconds; microseconds are what a datetime keeps.
    assert event.occurred_at == datetime(2024, 11, 15, 16, 45, 0, 123456, tzinfo=UTC)


def test_a_list_of_pushes_is_read_whole_and_an_id_less_one_keyed_by_content():
    first = load(FIXTURE)
    second = {"message": {"data": "e30="}, "subscription": first["subscription"]}
    events = _parse([first, second])
    assert events[0].dedupe_key == "2070443601311540"
    assert events[1].dedupe_key.startswith("sha256:") and events[1].object_id == ""


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        b'{"message": "hello"}',
        b'["x"]',
        b'{"message": {"data": "not base64!", "messageId": "1"}}',
        b'{"message": {"data": 42, "messageId": "1"}}',
    ],
    ids=["not-json", "no-message", "message-not-object", "list-of-text", "data-not-base64",
         "data-not-text"],
)  # fmt: skip
def test_unreadable_pushes_are_malformed(body):
    with pytest.raises(MalformedBody):
        google.parse(_push(None, body=body))
