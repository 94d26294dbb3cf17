"""Where providers call: ``/webhooks/<registration id>`` and seed 000's provider endpoint.

Plain Django views, not DRF: this is the hot path, and providers send no API key. Every
outcome is JSON; no input produces a 500.
"""

from __future__ import annotations

import time

import structlog
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from connectors.providers.inbound import (
    HandshakeReply,
    InboundRequest,
    MalformedBody,
    SignatureInvalid,
)
from core.shared_state import count_in_window
from webhooks.inbound import provider_endpoint
from webhooks.inbound.receiving import receive
from webhooks.inbound.registry import ActiveRegistration, active_registration

log = structlog.get_logger(__name__)


def _error(status: int, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"success": False, "error": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def inbound_request(request: HttpRequest) -> InboundRequest:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return InboundRequest(
        method=request.method or "POST",
        url=f"{base}{request.get_full_path()}",
        headers={name.lower(): value for name, value in request.headers.items()},
        query={key: request.GET.get(key, "") for key in request.GET},
        body=request.body,
    )


def _rate_limited(registration: ActiveRegistration) -> bool:
    """A fixed one-second window per registration, counted in Redis (shared by all workers)."""
    window = f"inbound:rate:{registration.id}:{int(time.time())}"
    return count_in_window(window, window_seconds=2) > settings.INBOUND_RATE_LIMIT_PER_SECOND


def handle(request: HttpRequest, registration: ActiveRegistration | None) -> HttpResponse:
    if registration is None:
        return _error(404, "no active webhook registration here")
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.INBOUND_MAX_BODY_BYTES:
        return _error(413, f"body over {settings.INBOUND_MAX_BODY_BYTES} bytes")
    if _rate_limited(registration):
        return _error(429, "rate limit exceeded", **{"Retry-After": "1"})
    try:
        inbound = inbound_request(request)
    except RequestDataTooBig:
        return _error(413, f"body over {settings.INBOUND_MAX_BODY_BYTES} bytes")
    if len(inbound.body) > settings.INBOUND_MAX_BODY_BYTES:
        return _error(413, f"body over {settings.INBOUND_MAX_BODY_BYTES} bytes")
    try:
        outcome = receive(registration=registration, request=inbound)
    except SignatureInvalid as exc:
        return _error(401, f"signature verification failed: {exc}")
    except MalformedBody as exc:
        return _error(400, str(exc))
    except Exception:  # a provider module's bug must not become a 500 the provider retries
        log.exception("inbound payload could not be read", registration_id=str(registration.id))
        return _error(400, "the payload could not be read")
    if isinstance(outcome, HandshakeReply):
        return HttpResponse(outcome.body, status=outcome.status, content_type=outcome.content_type)
    if request.method != "POST":
        return _error(405, "webhooks are POSTed")
    body = {"success": True, "accepted": outcome.accepted, "duplicates": outcome.duplicates}
    return JsonResponse(body, status=202)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def receive_registration(request: HttpRequest, registration_id) -> HttpResponse:
    return handle(request, active_registration(registration_id))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def receive_provider_endpoint(request: HttpRequest, provider: str) -> HttpResponse:
    """Seed 000: ``POST /api/v1/connectors/<provider>/webhook``."""
    return handle(request, provider_endpoint.registration_for(provider))
