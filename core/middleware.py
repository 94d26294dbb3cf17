"""Request-wide middleware: a request id in the structured-log context of every request, and
a 400 for URLs carrying a NUL character."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import structlog
from django.http import HttpRequest, HttpResponse, JsonResponse

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def bind_request_id(meta: Mapping[str, Any]) -> str:
    """The request's id (the caller's ``X-Request-Id`` when it is a safe one, else a new one),
    bound into the log context of everything the request does."""
    supplied = meta.get("HTTP_X_REQUEST_ID", "")
    request_id = supplied if _SAFE_REQUEST_ID.match(supplied) else secrets.token_hex(16)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return request_id


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = bind_request_id(request.META)
        response = self.get_response(request)
        response["X-Request-Id"] = request_id
        return response


class RefuseNulInUrlMiddleware:
    """``%00`` in a path or query reaches filters and lookups as a NUL, which PostgreSQL can't
    compare or store: every view (API, admin, webhooks) answers 400 for it up front."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return JsonResponse(
                {"detail": "the URL contains a NUL character (%00)", "code": "parse_error"},
                status=400,
            )
        return self.get_response(request)
