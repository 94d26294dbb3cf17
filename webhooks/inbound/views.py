"""Where providers call: ``/webhooks/<registration id>`` and seed 000's provider endpoint.

Plain Django views, not DRF: this is the hot path, and providers send no API key. What they
are answered is decided in ``answering``; ``POST /webhooks/<uuid>`` usually arrives by the lean
WSGI path (``wsgi.py``) instead of these views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from webhooks.inbound import provider_endpoint
from webhooks.inbound.answering import Reply, answer, declared_length, inbound_request
from webhooks.inbound.registry import ActiveRegistration, active_registration

WSGIREF = "WSGIServer/"  # wsgiref's SERVER_SOFTWARE: "WSGIServer/0.2 CPython/3.x"


def handle(request: HttpRequest, find: Callable[[], ActiveRegistration | None]) -> HttpResponse:
    reply = answer(
        find=find,
        method=request.method or "POST",
        declared_length=declared_length(request.META),
        read=lambda: inbound_request(request),
        client=request.META.get("REMOTE_ADDR", ""),
    )
    return as_response(reply, request.META)


def as_response(reply: Reply, meta: Mapping[str, Any]) -> HttpResponse:
    response = HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)
    if reply.retry_after:
        response["Retry-After"] = reply.retry_after
    if reply.close and not meta.get("SERVER_SOFTWARE", "").startswith(WSGIREF):
        # wsgiref (runserver) refuses hop-by-hop headers from an application, and reads an
        # unread body to its end itself; granian and gunicorn close the connection as told.
        response["Connection"] = "close"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def receive_registration(request: HttpRequest, registration_id) -> HttpResponse:
    return handle(request, lambda: active_registration(registration_id))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def receive_provider_endpoint(request: HttpRequest, provider: str) -> HttpResponse:
    """Seed 000: ``POST /api/v1/connectors/<provider>/webhook``."""
    return handle(request, lambda: provider_endpoint.registration_for(provider))
