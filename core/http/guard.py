"""The address guard under core.http: resolve once, vet every answer, connect only to those.

It sits where urllib3 opens the socket, not in a lookup made beforehand, so a DNS answer that
changes between a check and the connect (rebinding) can't slip through, and every connection
(each redirect hop, each new keep-alive socket) is vetted. Only the socket creation is replaced:
the Host header, TLS SNI and the certificate check still use the URL's host name.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
)
from urllib3.util.connection import allowed_gai_family, create_connection

from core.metrics import OUTBOUND_REFUSED

# The guard resolves through this name, looked up at call time, so tests can stand in for public
# DNS (a public name answering with a private address) by monkeypatching
# core.http.guard.getaddrinfo.
getaddrinfo = socket.getaddrinfo

AddrInfo = tuple[Any, ...]

# Instance metadata services (AWS/GCP/Azure, AWS over IPv6, Alibaba): named apart because they
# are the usual prize of an SSRF, and the Alibaba and AWS IPv6 ones aren't link-local.
_METADATA = frozenset(
    ipaddress.ip_address(ip) for ip in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")

_DESCRIPTIONS = {
    "metadata": "a cloud metadata address",
    "unspecified": "an unspecified address",
    "loopback": "a loopback address",
    "link_local": "a link-local address",
    "multicast": "a multicast address",
    "shared": "a shared (carrier-grade NAT) address",
    "private": "a private address",
    "reserved": "a reserved address",
    "not_global": "not a publicly routable address",
}


class AddressRefused(Exception):
    """Carries a refusal out of urllib3. Deliberately not an OSError: urllib3 would wrap one into
    a retryable NewConnectionError and the reason would be lost; core.http's adapter re-raises it
    as TargetNotAllowed."""

    def __init__(self, *, host: str, address: str, reason: str) -> None:
        self.host, self.address, self.reason = host, address, reason
        resolved = "" if host.strip("[]") == address else f" (resolved from {host})"
        super().__init__(
            f"{address}{resolved} is {_DESCRIPTIONS[reason]}; outbound requests to private "
            "networks are refused (OUTBOUND_ALLOW_PRIVATE_TARGETS=false)"
        )


def _unwrap(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Any:
    # ::ffff:127.0.0.1 and 6to4's 2002:7f00:1:: reach the IPv4 address they embed.
    if isinstance(addr, ipaddress.IPv6Address):
        return addr.ipv4_mapped or addr.sixtofour or addr
    return addr


def refusal_reason(ip: str) -> str | None:
    """Why ``ip`` may not be connected to, or None when it is a public address."""
    addr = _unwrap(ipaddress.ip_address(ip))
    checks = (
        ("metadata", addr in _METADATA),
        ("unspecified", addr.is_unspecified),
        ("loopback", addr.is_loopback),
        ("link_local", addr.is_link_local),
        # Python counts multicast as global, so it has to be refused explicitly.
        ("multicast", addr.is_multicast),
        ("shared", addr in _SHARED),
        ("private", addr.is_private),
        ("reserved", addr.is_reserved),
        ("not_global", not addr.is_global),
    )
    return next((reason for reason, hit in checks if hit), None)


def is_public_address(ip: str) -> bool:
    """True when ``ip`` (an IPv4 or IPv6 literal) is publicly routable. ValueError if not an IP."""
    return refusal_reason(ip) is None


def resolve(host: str, port: int, *, allow_private: bool) -> list[AddrInfo]:
    """Resolve ``host`` once and vet every answer (AddressRefused). Callers connect only to what
    this returns, so the address checked is the address used."""
    host = host.strip("[]")
    try:
        host.encode("idna")  # as urllib3's create_connection does, for the same error
    except UnicodeError:
        raise LocationParseError(f"'{host}', label empty or too long") from None
    infos = getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
    if not allow_private:
        # Any refused answer refuses the host: a name mixing public and private addresses is
        # either a misconfiguration or an attack, and either way the next lookup may differ.
        for info in infos:
            address = info[4][0]
            reason = refusal_reason(address)
            if reason:
                OUTBOUND_REFUSED.labels(reason=reason).inc()
                raise AddressRefused(host=host, address=address, reason=reason)
    return infos


def _connect(infos: list[AddrInfo], *, timeout: Any, **socket_kwargs: Any) -> socket.socket:
    """Connect to the first vetted address that answers, as urllib3 tries each DNS answer."""
    error: OSError = OSError("getaddrinfo returned an empty list")
    for info in infos:
        ip, port = info[4][0], info[4][1]
        try:
            # A numeric host: urllib3's create_connection parses it without another DNS lookup,
            # and applies the timeout, source address and socket options as it always does.
            return create_connection((ip, port), timeout, **socket_kwargs)
        except OSError as exc:
            error = exc
    raise error


def _open_socket(conn: HTTPConnection, *, allow_private: bool) -> socket.socket:
    """urllib3's HTTPConnection._new_conn (same errors, same audit event), with the guard in
    front of the connect."""
    try:
        infos = resolve(conn._dns_host, conn.port, allow_private=allow_private)
        sock = _connect(
            infos,
            timeout=conn.timeout,
            source_address=conn.source_address,
            socket_options=conn.socket_options,
        )
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(
            conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        ) from exc
    except OSError as exc:
        raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc
    sys.audit("http.client.connect", conn, conn.host, conn.port)
    return sock


class GuardedHTTPConnection(HTTPConnection):
    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private

    def _new_conn(self) -> socket.socket:
        return _open_socket(self, allow_private=self.allow_private)


class GuardedHTTPSConnection(GuardedHTTPConnection, HTTPSConnection):
    """TLS over a guarded socket; SNI and the certificate check still use the URL's host."""


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection
