"""Operational endpoints outside the versioned API: health and JSON error pages."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import run_checks


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    healthy, statuses, errors = run_checks()
    body: dict[str, object] = {"status": "ok" if healthy else "error", "checks": statuses}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=200 if healthy else 503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
