"""Operational endpoints outside the versioned API: health and JSON error pages."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.api.errors import DatabaseUnavailable
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
    """Django's handler500 (views outside DRF: the admin, the portal): a database outage is a
    503 with Retry-After like the API's, anything else a 500."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        unavailable = DatabaseUnavailable()
        body = {"detail": str(unavailable.detail), "code": unavailable.default_code}
        response = JsonResponse(body, status=unavailable.status_code)
        response["Retry-After"] = str(unavailable.wait)
        return response
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
