"""Error shape of the seeds' endpoints: ``{success: false, error, details?}`` with ``details``
a ``{field: message}`` record, as seed 004 types it."""

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response

from core.api.exceptions import as_api_exception


class SeedResponseMixin:
    """Errors in seed 004's shape; authentication errors keep their status codes."""

    def handle_exception(self, exc: Exception) -> Response:
        exc = as_api_exception(exc)
        response = super().handle_exception(exc)  # type: ignore[misc]
        if isinstance(exc, exceptions.ValidationError):
            details = flatten_details(exc.detail)
            response.data = {"success": False, "error": _summary(details), "details": details}
        elif isinstance(exc, exceptions.APIException):
            response.data = {"success": False, "error": str(exc.detail)}
            if getattr(exc, "errors", None):
                response.data["details"] = flatten_details(exc.errors)
        return response


def flatten_details(detail: Any, prefix: str = "") -> dict[str, str]:
    """``{"a": {"b": ["msg"]}}`` -> ``{"a.b": "msg"}``: one message per field."""
    if isinstance(detail, dict):
        flat: dict[str, str] = {}
        for key, value in detail.items():
            flat.update(flatten_details(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and detail:
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": str(detail[0])}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_details(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": str(detail)}


def _summary(details: dict[str, str]) -> str:
    return "Invalid input: " + "; ".join(f"{field}: {msg}" for field, msg in details.items())
