"""One JSON error shape for the whole API: {"detail", "code", and "errors" for field problems}."""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.api.errors import Conflict, DatabaseUnavailable
from core.constraints import Duplicate, duplicate_from
from core.metrics import API_AUTH_FAILURES

log = structlog.get_logger(__name__)


def as_api_exception(exc: Exception) -> Exception:
    """A duplicate (found by a service's check, or a unique violation when a concurrent
    request won the race) as a 409 naming its fields; a database outage as a 503 to retry;
    any other exception as it is."""
    if isinstance(exc, OperationalError | InterfaceError):
        log.warning("api request failed: database unavailable", error=str(exc))
        return DatabaseUnavailable()
    duplicate = duplicate_from(exc) if isinstance(exc, IntegrityError) else exc
    if not isinstance(duplicate, Duplicate):
        return exc
    message = str(duplicate)
    return Conflict(message, errors={field: [message] for field in duplicate.fields})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        detail = f"Request body exceeds {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        return Response({"detail": detail, "code": "payload_too_large"}, status=413)
    exc = as_api_exception(exc)
    if isinstance(exc, Http404):  # Django's get_object_or_404: the same shape as DRF's NotFound
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        API_AUTH_FAILURES.labels(reason=exc.default_code).inc()
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "Invalid input.",
            "code": "invalid",
            "errors": _as_field_errors(exc.detail),
        }
    elif isinstance(exc, exceptions.APIException) and isinstance(exc.detail, dict):
        # a conflict naming its field: {"email": ["a client with this email already exists"]}
        response.data = {"detail": str(exc.default_detail), "code": exc.default_code}
        response.data["errors"] = exc.detail
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": str(exc.detail),
            "code": codes if isinstance(codes, str) else exc.default_code,
        }
        if getattr(exc, "errors", None):
            response.data["errors"] = exc.errors
    return response


def _as_field_errors(detail: Any) -> Any:
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return detail
