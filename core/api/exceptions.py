"""One JSON error shape for the whole API: {"detail", "code", and "errors" for field problems}."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.metrics import API_AUTH_FAILURES


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        detail = f"Request body exceeds {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        return Response({"detail": detail, "code": "payload_too_large"}, status=413)
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
    return response


def _as_field_errors(detail: Any) -> Any:
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return detail
