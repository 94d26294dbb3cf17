"""The commonest webhook POST without Django's handler: ``POST /webhooks/<uuid>`` with no
query string, while the middleware left on the lean path (``wsgi.py``) are those below.

Measured: Django's handler, the middleware and the request and response objects around the
view cost a third of the lean path's Python. This path makes the same answer with the same
``answering.answer``, and adds what those middleware would:

- ``SecurityMiddleware`` and ``XFrameOptionsMiddleware``: their headers, read once from the
  middleware themselves (only while they don't depend on the request: no SSL redirect, no HSTS);
- ``RequestContextMiddleware``: itself, for the request id in the log context and header;
- ``RefuseNulInUrlMiddleware``: nothing, a UUID path without a query string has no NUL.

Anything else (another middleware in the settings, a query string, a host to refuse) takes the
lean chain, so a middleware added later is never skipped unawares.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from http.client import responses

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.log import log_response

from core.middleware import RequestContextMiddleware
from webhooks.inbound.answering import (
    RECEIVE_RESPONSES,
    answer,
    declared_length,
    inbound_request,
)
from webhooks.inbound.registry import active_registration
from webhooks.inbound.views import as_response

Headers = list[tuple[str, str]]
REPLICATED_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RefuseNulInUrlMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
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


class DirectReceive:
    def __init__(
        self, *, headers: Headers, prepare: Callable[[], None], release: Callable[[], None]
    ) -> None:
        self._headers = headers
        self._prepare, self._release = prepare, release
        # The real middleware, around a "response" that is only the headers it adds.
        self._request_context = RequestContextMiddleware(lambda request: {})

    def __call__(
        self, environ: dict, start_response: Callable, *, registration_id: str, fallback
    ) -> Iterable[bytes]:
        request = WSGIRequest(environ)
        try:
            request.get_host()
        except DisallowedHost:
            return fallback(environ, start_response)  # Django answers 400 and logs it
        added = [*self._headers, *self._request_context(request).items()]
        self._prepare()
        try:
            reply = answer(
                find=lambda: active_registration(registration_id),
                method="POST",
                declared_length=declared_length(environ),
                read=lambda: inbound_request(request),
            )
        except Exception as exc:  # as Django's handler does: logged, the JSON 500
            return self._send(response_for_exception(request, exc), request, added, start_response)
        finally:
            self._release()
        if reply.status >= 400:
            return self._send(as_response(reply), request, added, start_response)
        RECEIVE_RESPONSES.labels(status=str(reply.status)).inc()
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
        RECEIVE_RESPONSES.labels(status=str(response.status_code)).inc()
        headers = [*response.items(), ("Content-Length", str(len(response.content))), *added]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]
