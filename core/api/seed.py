"""Error shape of the seeds' endpoints: ``{success: false, error, details?}``."""

from rest_framework import exceptions
from rest_framework.response import Response


class SeedResponseMixin:
    """Errors in seed 004's shape; authentication errors keep their status codes."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)  # type: ignore[misc]
        if isinstance(exc, exceptions.ValidationError):
            response.data = {"success": False, "error": "Invalid input.", "details": exc.detail}
        elif isinstance(exc, exceptions.APIException):
            response.data = {"success": False, "error": str(exc.detail)}
        return response
