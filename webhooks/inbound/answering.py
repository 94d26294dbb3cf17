"""What a provider's request to a webhook URL is answered, apart from how it arrived: the
Django views and the lean WSGI path (``wsgi.py``) both turn a ``Reply`` into their response.
Every outcome is JSON (or a provider's handshake reply); no input produces a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest
from django.http.request import HttpHeaders
from prometheus_client import Counter

from connectors.providers.inbound import (
    HandshakeReply,
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
)
from core.metrics import PREFIX
from webhooks.inbound.body import client_reads, is_chunked, read_to_end
from webhooks.inbound.rate_limit import RateLimiter
from webhooks.inbound.receiving import ReceivedRequest, Undeliverable, receive
from webhooks.inbound.registry import ActiveRegistration

log = structlog.get_logger(__name__)
_limiter = RateLimiter()
RECEIVE_RESPONSES = Counter(
    f"{PREFIX}_inbound_responses_total",
    "Answers to POST /webhooks/<id> (outside django-prometheus' request metrics), by status.",
    ["status"],
)


@cache
def count_response(status: int) -> Counter:
    """The status's labelled counter, looked up once (``labels`` costs more than ``inc``)."""
    return RECEIVE_RESPONSES.labels(status=str(status))


@cache
def public_base_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


setting_changed.connect(lambda **kwargs: public_base_url.cache_clear(), weak=False)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    retry_after: str | None = None
    # Answered without reading the body: the server will close the connection, so the answer
    # says so (``Connection: close``) and a keep-alive client doesn't send into a closed one.
    close: bool = False


def json_reply(
    status: int, data: dict[str, Any], *, retry_after: str | None = None, close: bool = False
) -> Reply:
    body = json.dumps(data).encode()
    return Reply(status=status, body=body, retry_after=retry_after, close=close)


def _error(
    status: int, message: str, *, retry_after: str | None = None, close: bool = False
) -> Reply:
    data = {"success": False, "error": message}
    return json_reply(status, data, retry_after=retry_after, close=close)


def answer(
    *,
    find: Callable[[], ActiveRegistration | None],
    method: str,
    declared_length: int,
    read: Callable[[], InboundRequest],
    client: str = "",
) -> Reply:
    """``find`` looks the registration up; ``read`` gives the request with its body (it may
    raise RequestDataTooBig); ``client``: the address the request came from. A database outage
    in either step is a 503: nothing is stored, and it is what providers retry."""
    try:
        registration = find()
    except (OperationalError, InterfaceError) as exc:
        return _after_reading(_unavailable(exc), read=read, client=client)
    try:  # past this point the database is used only once the body is read
        return _answer(
            registration, method=method, declared_length=declared_length, read=read, client=client
        )
    except (OperationalError, InterfaceError) as exc:
        return _unavailable(exc)


def _unavailable(exc: Exception) -> Reply:
    log.warning("inbound webhook not stored: database unavailable", error=str(exc))
    return _error(503, "the hub can't store events right now; retry later", retry_after="5")


def _answer(
    registration: ActiveRegistration | None,
    *,
    method: str,
    declared_length: int,
    read: Callable[[], InboundRequest],
    client: str,
) -> Reply:
    if registration is None:
        reply = _error(404, "no active webhook registration here")
        return _after_reading(reply, read=read, client=client)
    if declared_length > settings.INBOUND_MAX_BODY_BYTES:
        return _error(413, _too_big(), close=True)
    if _rate_limited(registration):
        reply = _error(429, "rate limit exceeded", retry_after="1")
        return _after_reading(reply, read=read, client=client)
    if not client_reads.enter(client):
        return _too_many_reads()
    try:
        inbound = read()
    except RequestDataTooBig:
        return _error(413, _too_big(), close=True)
    finally:
        client_reads.leave(client)
    if len(inbound.body) > settings.INBOUND_MAX_BODY_BYTES:  # chunked: the rest is unread
        return _error(413, _too_big(), close=True)
    try:
        outcome = receive(registration=registration, request=inbound)
    except SignatureInvalid as exc:
        return _error(401, f"signature verification failed: {exc}")
    except MalformedBody as exc:
        return _error(400, str(exc))
    except Undeliverable as exc:
        return _error(413, str(exc))
    except (OperationalError, InterfaceError):
        raise  # the database's trouble, not the payload's: answer() makes it a 503
    except Exception:  # a provider module's bug must not become a 500 the provider retries
        log.exception("inbound payload could not be read", registration_id=str(registration.id))
        return _error(400, "the payload could not be read")
    if isinstance(outcome, HandshakeReply):
        return Reply(status=outcome.status, body=outcome.body, content_type=outcome.content_type)
    if method != "POST":
        return _error(405, "webhooks are POSTed")
    return _accepted_reply(outcome.accepted, outcome.duplicates)


def _too_big() -> str:
    return f"body over {settings.INBOUND_MAX_BODY_BYTES} bytes"


def _too_many_reads() -> Reply:
    message = "too many requests from this address are still sending their bodies"
    return _error(429, message, retry_after="1", close=True)


def _after_reading(reply: Reply, *, read: Callable[[], InboundRequest], client: str) -> Reply:
    """``reply``, given once the body is read and dropped: the connection then stays open for
    the provider's next request (HTTP/1.1 keep-alive), as it would after any other answer. A
    body too large, or one more from a client already sending its cap, is not read: the reply
    says ``Connection: close`` instead."""
    if not client_reads.enter(client):
        return replace(reply, close=True)
    try:
        unread = len(read().body) > settings.INBOUND_MAX_BODY_BYTES  # chunked, past the cap
    except RequestDataTooBig:
        unread = True
    finally:
        client_reads.leave(client)
    return replace(reply, close=True) if unread else reply


@lru_cache(maxsize=256)
def _accepted_reply(accepted: int, duplicates: int) -> Reply:
    return json_reply(202, {"success": True, "accepted": accepted, "duplicates": duplicates})


def declared_length(meta: Mapping[str, Any]) -> int:
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads such a body as empty too


def inbound_request(request: HttpRequest) -> InboundRequest:
    has_query = bool(request.META.get("QUERY_STRING"))
    return ReceivedRequest(
        method=request.method or "POST",
        url=f"{public_base_url()}{request.get_full_path()}",
        headers=lower_case_headers(request.META),
        query={key: request.GET.get(key, "") for key in request.GET} if has_query else {},
        body=request_body(request),
    )


def request_body(request: HttpRequest) -> bytes:
    """``request.body``; a chunked one (no Content-Length) read to its end, up to the cap."""
    if is_chunked(request.META):
        limit = settings.INBOUND_MAX_BODY_BYTES
        return read_to_end(request.META["wsgi.input"], limit=limit)
    return request.body


def lower_case_headers(meta: Mapping[str, Any]) -> dict[str, str]:
    """``request.headers`` with lower-case names, read from META directly (HttpHeaders
    title-cases each name, only for us to lower-case it again)."""
    return {name: value for key, value in meta.items() if (name := _header_name(key))}


@lru_cache(maxsize=1024)
def _header_name(meta_key: str) -> str | None:
    """The lower-case header name of a META key, or None when the key is no header (the same
    few dozen keys arrive with every request: each is worked out once)."""
    if meta_key.startswith("HTTP_"):
        meta_key = meta_key[5:]
    elif meta_key not in HttpHeaders.UNPREFIXED_HEADERS:
        return None
    return meta_key.replace("_", "-").lower()


def _rate_limited(registration: ActiveRegistration) -> bool:
    """A fixed one-second window per registration, shared by all processes (rate_limit.py)."""
    key = f"inbound:rate:{registration.id}"
    return not _limiter.allows(key, limit=settings.INBOUND_RATE_LIMIT_PER_SECOND)
