"""The outbound HTTP seam against a real local receiver. Only public DNS is stood in for (by
patching core.http.guard.getaddrinfo): a public name answering with a private address can't be
arranged here otherwise."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prometheus_client import REGISTRY

from core.http import (
    TargetNotAllowed,
    guard,
    is_public_address,
    outbound_session,
    post,
    validate_target_url,
)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


@dataclass
class Receiver:
    port: int
    requests: list[Received] = field(default_factory=list)

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _handler(receiver_ref: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is observable

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver_ref[0].requests.append(
                Received(self.path, dict(self.headers), body, self.client_address[1])
            )
            if self.path == "/slow":
                time.sleep(1)
            if self.path == "/redirect":
                self._answer(302, location="http://127.0.0.1:9/elsewhere")
            else:
                self._answer(200)

        def _answer(self, status: int, *, location: str | None = None) -> None:
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    ref: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    server.daemon_threads = True
    ref.append(Receiver(port=server.server_address[1]))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield ref[0]
    server.shutdown()
    server.server_close()


def _resolving_to(*ips: str):
    """A getaddrinfo standing in for public DNS that answers ``ips`` for any name."""

    def fake(host, port, family=0, type=0, proto=0, flags=0):
        infos = []
        for ip in ips:
            if ":" in ip:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)))
        return infos

    return fake


def _refused_count(reason: str) -> float:
    value = REGISTRY.get_sample_value("switchboard_outbound_refused_total", {"reason": reason})
    return value or 0.0


def _post(session: requests.Session, url: str, timeout: float = 5) -> requests.Response:
    return post(session, url, data=b'{"a":1}', headers={"X-Test": "yes"}, timeout=timeout)


def test_allowed_private_post_reaches_receiver_intact(receiver):
    session = outbound_session(allow_private=True)
    body = b'{"event":"client.updated","id":"evt_1"}'
    headers = {"Content-Type": "application/json", "Webhook-Id": "msg_1"}

    response = post(session, receiver.url("/hook"), data=body, headers=headers, timeout=5)

    assert response.status_code == 200
    [got] = receiver.requests
    assert (got.path, got.body) == ("/hook", body)
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Webhook-Id"] == "msg_1"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_and_nothing_arrives(receiver, host):
    session = outbound_session(allow_private=False)

    with pytest.raises(TargetNotAllowed) as refused:
        _post(session, receiver.url(host=host))

    assert refused.value.reason == "loopback"
    assert "is a loopback address" in str(refused.value)
    assert "OUTBOUND_ALLOW_PRIVATE_TARGETS=false" in str(refused.value)
    if host == "localhost":
        assert "(resolved from localhost)" in str(refused.value)
    assert receiver.requests == []


def test_refusal_message_names_address_and_host(monkeypatch):
    monkeypatch.setattr(guard, "getaddrinfo", _resolving_to("127.0.0.1"))

    with pytest.raises(TargetNotAllowed) as refused:
        _post(outbound_session(allow_private=False), "http://localhost:8080/")

    assert str(refused.value) == (
        "127.0.0.1 (resolved from localhost) is a loopback address; outbound requests to private "
        "networks are refused (OUTBOUND_ALLOW_PRIVATE_TARGETS=false)"
    )
    assert isinstance(refused.value, requests.exceptions.ConnectionError)


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (["10.1.2.3"], "private"),
        (["169.254.169.254"], "metadata"),
        (["::ffff:127.0.0.1"], "loopback"),
        # Any refused answer refuses the name, whichever comes first.
        (["93.184.216.34", "192.168.0.10"], "private"),
    ],
)
def test_public_name_resolving_inward_is_refused_before_any_connect(monkeypatch, answers, reason):
    monkeypatch.setattr(guard, "getaddrinfo", _resolving_to(*answers))
    connects: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda sock, addr: connects.append(addr))
    before = _refused_count(reason)

    started = time.monotonic()
    with pytest.raises(TargetNotAllowed) as refused:
        _post(outbound_session(allow_private=False), "https://hooks.example.com/in")
    elapsed = time.monotonic() - started

    assert elapsed < 1
    assert connects == []
    assert refused.value.reason == reason
    assert "(resolved from hooks.example.com)" in str(refused.value)
    assert _refused_count(reason) == before + 1


def test_guard_checks_the_address_it_connects_to_not_an_earlier_lookup(monkeypatch, receiver):
    """DNS rebinding: the name is public when validated, loopback when connected to."""
    monkeypatch.setattr(guard, "getaddrinfo", _resolving_to("93.184.216.34"))
    url = f"http://rebind.example.com:{receiver.port}/"
    validate_target_url(url, allow_private=False)

    monkeypatch.setattr(guard, "getaddrinfo", _resolving_to("127.0.0.1"))
    with pytest.raises(TargetNotAllowed):
        _post(outbound_session(allow_private=False), url)
    assert receiver.requests == []


def test_connects_to_the_resolved_address_with_the_original_host_header(monkeypatch, receiver):
    monkeypatch.setattr(guard, "getaddrinfo", _resolving_to("127.0.0.1"))

    response = _post(outbound_session(allow_private=True), receiver.url(host="hooks.example.com"))

    assert response.status_code == 200
    assert receiver.requests[0].headers["Host"] == f"hooks.example.com:{receiver.port}"


def _self_signed(host: str, directory) -> tuple[str, str]:
    """A certificate for ``host`` that is its own CA: (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_https_keeps_the_host_name_for_sni_and_certificate(monkeypatch, receiver, tmp_path):
    """The guard replaces only the socket: TLS still names and verifies the URL's host."""
    cert, key = _self_signed("hooks.example.com", tmp_path)
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    tls_server = ThreadingHTTPServer(("127.0.0.1", 0), _handler([receiver]))
    tls_server.socket = context.wrap_socket(tls_server.socket, server_side=True)
    threading.Thread(target=tls_server.serve_forever, args=(0.05,), daemon=True).start()
    monkeypatch.setattr(guard, "getaddrinfo", _resolving_to("127.0.0.1"))
    session = outbound_session(allow_private=True)
    session.verify = cert
    try:
        response = _post(session, f"https://hooks.example.com:{tls_server.server_port}/tls")
    finally:
        tls_server.shutdown()
        tls_server.server_close()

    assert response.status_code == 200
    assert server_names == ["hooks.example.com"]
    assert receiver.requests[0].path == "/tls"


def test_redirect_is_returned_not_followed(receiver):
    response = _post(outbound_session(allow_private=True), receiver.url("/redirect"))

    assert response.status_code == 302
    assert response.headers["Location"] == "http://127.0.0.1:9/elsewhere"
    assert len(receiver.requests) == 1


def test_slow_receiver_times_out(receiver):
    with pytest.raises(requests.exceptions.Timeout):
        _post(outbound_session(allow_private=True), receiver.url("/slow"), timeout=0.3)


def test_environment_proxies_are_ignored(monkeypatch, receiver):
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)

    response = _post(outbound_session(allow_private=True), receiver.url())

    assert response.status_code == 200
    assert len(receiver.requests) == 1


def test_explicit_proxies_are_refused(receiver):
    session = outbound_session(allow_private=True)

    with pytest.raises(ValueError, match="proxies"):
        session.post(receiver.url(), proxies={"http": "http://127.0.0.1:9"}, timeout=5)
    assert receiver.requests == []


def test_connections_are_kept_alive(receiver):
    session = outbound_session(allow_private=True)

    _post(session, receiver.url())
    _post(session, receiver.url())

    assert [r.client_port for r in receiver.requests] == [receiver.requests[0].client_port] * 2


def test_session_follows_the_setting_by_default(settings, receiver):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(TargetNotAllowed):
        _post(outbound_session(), receiver.url())

    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True
    assert _post(outbound_session(), receiver.url()).status_code == 200


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x", "scheme must be http or https"),
        ("x.example.com/hook", "scheme must be http or https"),
        ("http://", "no host"),
        ("http://x.example.com:99999/", "not a valid URL"),
    ],
)
def test_validate_rejects_malformed_urls(url, message):
    for allow_private in (True, False):
        with pytest.raises(ValueError, match=message):
            validate_target_url(url, allow_private=allow_private)


def test_validate_refuses_private_literal_only_when_not_allowed():
    with pytest.raises(ValueError, match=r"^127\.0\.0\.1 is a loopback address"):
        validate_target_url("http://127.0.0.1/", allow_private=False)
    validate_target_url("http://127.0.0.1/", allow_private=True)


def test_validate_follows_the_setting_by_default(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValueError, match="private address"):
        validate_target_url("http://[fd12::1]:8080/")
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True
    validate_target_url("http://[fd12::1]:8080/")


def test_validate_accepts_a_name_resolving_to_a_public_address(monkeypatch):
    monkeypatch.setattr(guard, "getaddrinfo", _resolving_to("93.184.216.34"))
    validate_target_url("https://example.invalid/", allow_private=False)


def test_validate_refuses_a_name_resolving_inward(monkeypatch):
    monkeypatch.setattr(guard, "getaddrinfo", _resolving_to("100.64.0.7"))
    with pytest.raises(ValueError, match=r"100\.64\.0\.7 \(resolved from hooks\.example\.com\)"):
        validate_target_url("https://hooks.example.com/", allow_private=False)


def test_validate_reports_a_name_that_does_not_resolve(monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(guard, "getaddrinfo", no_such_host)
    with pytest.raises(ValueError, match=r"'nowhere\.example\.com' does not resolve"):
        validate_target_url("https://nowhere.example.com/", allow_private=False)


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("93.184.216.34", True),
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("::1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("fc00::1", False),
        ("fd00:ec2::254", False),
        ("169.254.169.254", False),
        ("169.254.1.1", False),
        ("fe80::1", False),
        ("100.64.0.1", False),
        ("100.127.255.254", False),
        ("224.0.0.1", False),
        ("ff02::1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("0.0.0.0", False),
        ("::", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("192.0.2.1", False),  # documentation range
    ],
)
def test_is_public_address(ip, public):
    assert is_public_address(ip) is public
