"""The commonest webhook POST without Django's handler: ``POST /webhooks/<uuid>`` with no
query string, while the middleware left on the lean path (``wsgi.py``) are those below.

Measured: Django's handler, the middleware and the request and response objects around the
view cost a third of the lean path's Python. This path reads the request straight from the
WSGI environ, makes the same answer with the same ``answering.answer``, and adds what those
middleware would:

- ``SecurityMiddleware`` and ``XFrameOptionsMiddleware``: their headers, read once from the
  middleware themselves (only while they don't depend on the request: no SSL redirect, no HSTS);
- ``RequestContextMiddleware``: its ``bind_request_id``, for the request id in the log context
  and header;
- ``RefuseNulInUrlMiddleware``: nothing, a UUID path without a query string has no NUL.

The host is checked by Django's own ``get_host`` (``ALLOWED_HOSTS``), once per host a process
sees. Anything else (another middleware in the settings, a query string, a host to refuse)
takes the lean chain, so a middleware added later is never skipped unawares; an answer of 400
or more is logged by Django's ``log_response`` as its handler would.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from http.client import responses
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.log import log_response

from core.middleware import bind_request_id
from webhooks.inbound.answering import (
    answer,
    count_response,
    declared_length,
    lower_case_headers,
    public_base_url,
)
from webhooks.inbound.body import is_chunked, read_to_end
from webhooks.inbound.receiving import ReceivedRequest
from webhooks.inbound.registry import active_registration
from webhooks.inbound.views import as_response

Headers = list[tuple[str, str]]
REPLICATED_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RefuseNulInUrlMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
)
HOST_SETTINGS = frozenset(
    {"ALLOWED_HOSTS", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT", "DEBUG"}
)


def static_headers(lean_middleware: list[str]) -> Headers | None:
    """The headers the lean middleware add to every answer, or None if that isn't all they
    do (a middleware not replicated here, an SSL redirect, HSTS on secure requests)."""
    if not set(lean_middleware) <= set(REPLICATED_MIDDLEWARE):
        return None
    if settings.SECURE_SSL_REDIRECT or settings.SECURE_HSTS_SECONDS:
        return None
    probe = WSGIRequest({"REQUEST_METHOD": "POST", "PATH_INFO": "/", "wsgi.input": io.BytesIO()})
    response = HttpResponse(content_type="application/json")
    before = set(response.headers)
    for middleware in (SecurityMiddleware, XFrameOptionsMiddleware):
        response = middleware(lambda request: HttpResponse()).process_response(probe, response)
    return [(name, value) for name, value in response.items() if name not in before]


class AcceptedHosts:
    """The hosts Django's ``get_host`` accepted in this process, so that a busy webhook URL
    is not checked against ``ALLOWED_HOSTS`` per request (a few, bounded: hosts are few)."""

    LIMIT = 64

    def __init__(self) -> None:
        self._accepted: set[tuple] = set()
        setting_changed.connect(self._on_setting_changed, weak=False)

    def allow(self, environ: Mapping[str, Any]) -> bool:
        # Everything get_host may read, whatever the settings say it reads.
        key = tuple(environ.get(name) for name in
                    ("HTTP_X_FORWARDED_HOST", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT",
                     "HTTP_X_FORWARDED_PORT"))  # fmt: skip
        if key in self._accepted:
            return True
        try:
            WSGIRequest(environ).get_host()
        except DisallowedHost:
            return False
        if len(self._accepted) < self.LIMIT:
            self._accepted.add(key)
        return True

    def _on_setting_changed(self, *, setting: str, **kwargs) -> None:
        if setting in HOST_SETTINGS:
            self._accepted.clear()


def read_request(environ: Mapping[str, Any], length: int) -> ReceivedRequest:
    """The request as ``answering.inbound_request`` makes it of Django's request object."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
    if length > 0:
        body = environ["wsgi.input"].read(length)
    elif is_chunked(environ):
        body = read_to_end(environ["wsgi.input"], limit=settings.INBOUND_MAX_BODY_BYTES)
    else:
        body = b""
    return ReceivedRequest(
        method="POST",
        url=f"{public_base_url()}{request_path(environ)}",
        headers=lower_case_headers(environ),
        query={},
        body=body,
    )


def request_path(environ: Mapping[str, Any]) -> str:
    """``HttpRequest.path``, as Django builds it from the script name and path."""
    script_name = get_script_name(environ)
    return "{}/{}".format(script_name.rstrip("/"), environ["PATH_INFO"].replace("/", "", 1))


class DirectReceive:
    def __init__(
        self, *, headers: Headers, prepare: Callable[[], None], release: Callable[[], None]
    ) -> None:
        self._headers = headers
        self._prepare, self._release = prepare, release
        self._hosts = AcceptedHosts()

    def __call__(
        self, environ: dict, start_response: Callable, *, registration_id: str, fallback
    ) -> Iterable[bytes]:
        if not self._hosts.allow(environ):
            return fallback(environ, start_response)  # Django answers 400 and logs it
        added = [*self._headers, ("X-Request-Id", bind_request_id(environ))]
        length = declared_length(environ)
        self._prepare()
        try:
            reply = answer(
                find=lambda: active_registration(registration_id),
                method="POST",
                declared_length=length,
                read=lambda: read_request(environ, length),
                client=environ.get("REMOTE_ADDR", ""),
            )
        except Exception as exc:  # as Django's handler does: logged, the JSON 500
            request = WSGIRequest(environ)
            return self._send(response_for_exception(request, exc), request, added, start_response)
        finally:
            self._release()
        if reply.status >= 400:
            response = as_response(reply, environ)
            return self._send(response, WSGIRequest(environ), added, start_response)
        count_response(reply.status).inc()
        headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))]
        start_response(f"{reply.status} {responses[reply.status]}", [*headers, *added])
        return [reply.body]

    @staticmethod
    def _send(
        response: HttpResponse, request: WSGIRequest, added: Headers, start_response: Callable
    ) -> Iterable[bytes]:
        """An answer Django logs as its handler would (4xx warnings, 5xx errors)."""
        log_response(
            "%s: %s", response.reason_phrase, request.path, response=response, request=request
        )
        count_response(response.status_code).inc()
        headers = [*response.items(), ("Content-Length", str(len(response.content))), *added]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]
