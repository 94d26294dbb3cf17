"""The one outbound HTTP seam: every webhook delivery and connector call goes through here.

Invariant 7: outbound requests can't be aimed inward. Sessions from ``outbound_session()``
connect only to public addresses (unless private targets are allowed), checked by
``core.http.guard`` on the address each connection actually uses; ``post()`` never follows
redirects; ``validate_target_url()`` gives API serializers a clear message up front.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import DEFAULT_POOLBLOCK, HTTPAdapter

from core.http.guard import (
    AddressRefused,
    GuardedHTTPConnectionPool,
    GuardedHTTPSConnectionPool,
    is_public_address,
    resolve,
)

__all__ = [
    "GuardedAdapter",
    "TargetNotAllowed",
    "is_public_address",
    "outbound_session",
    "post",
    "validate_target_url",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Deliveries fan out to many subscriber hosts; keep more per-host pools than requests' default 10
# so keep-alive connections survive between deliveries to the same hosts.
_HOST_POOLS = 100


class TargetNotAllowed(requests.exceptions.ConnectionError):
    """The URL's host resolves to a loopback/private/link-local/metadata/... address and private
    targets are not allowed. Permanent: retrying won't help."""

    def __init__(
        self, message: str, *, host: str = "", address: str = "", reason: str = "", **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.host = host
        self.address = address
        self.reason = reason


def _private_allowed(allow_private: bool | None) -> bool:
    if allow_private is None:
        return bool(getattr(settings, "OUTBOUND_ALLOW_PRIVATE_TARGETS", False))
    return allow_private


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections go through the guard."""

    __attrs__ = [*HTTPAdapter.__attrs__, "allow_private"]

    def __init__(self, *, allow_private: bool, pool_maxsize: int) -> None:
        self.allow_private = allow_private  # before super().__init__, which builds the pools
        super().__init__(pool_connections=_HOST_POOLS, pool_maxsize=pool_maxsize)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = DEFAULT_POOLBLOCK, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        # Extra pool arguments reach each connection's constructor (urllib3's conn_kw); passing
        # allow_private through the pool manager's kwargs instead would break its pool keys.
        self.poolmanager.pool_classes_by_scheme = {
            "http": partial(GuardedHTTPConnectionPool, allow_private=self.allow_private),
            "https": partial(GuardedHTTPSConnectionPool, allow_private=self.allow_private),
        }

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # A proxy would open the connection on our behalf, past the guard.
        raise ValueError(f"outbound requests don't go through proxies (asked to use {proxy})")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().send(request, *args, **kwargs)
        except AddressRefused as refused:
            raise TargetNotAllowed(
                str(refused),
                host=refused.host,
                address=refused.address,
                reason=refused.reason,
                request=request,
            ) from None


def outbound_session(
    *, allow_private: bool | None = None, pool_maxsize: int = 32
) -> requests.Session:
    """A keep-alive session whose connections refuse non-public addresses unless
    ``allow_private`` (default: settings.OUTBOUND_ALLOW_PRIVATE_TARGETS). Environment proxies,
    netrc and CA-bundle variables are ignored (trust_env=False) so a proxy can't bypass the guard.
    Use ``post()`` with it: a Session can't refuse redirects by itself."""
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(
        allow_private=_private_allowed(allow_private), pool_maxsize=pool_maxsize
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def post(
    session: requests.Session,
    url: str,
    *,
    data: bytes,
    headers: dict[str, str],
    timeout: float,
) -> requests.Response:
    """POST with ``timeout`` seconds to connect and to read; a 3xx is returned as-is, never
    followed (a subscriber must not steer the hub elsewhere)."""
    return session.post(
        url, data=data, headers=headers, timeout=(timeout, timeout), allow_redirects=False
    )


def validate_target_url(url: str, *, allow_private: bool | None = None) -> None:
    """Raise ValueError with a clear message when ``url`` is not http(s), has no host, or (unless
    private targets are allowed) its host is, or resolves to, a refused address. For a 400 at
    subscription creation; the connection-time guard still decides at every request."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"URL scheme must be http or https, not {parts.scheme!r}: {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    if _private_allowed(allow_private):
        return
    try:
        resolve(parts.hostname, port or _DEFAULT_PORTS[scheme], allow_private=False)
    except AddressRefused as refused:
        raise ValueError(str(refused)) from None
    except (OSError, ValueError) as exc:  # no such host, or a malformed host name
        raise ValueError(f"host {parts.hostname!r} does not resolve: {exc}") from None
