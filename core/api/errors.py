"""HTTP errors the DRF set lacks, shared by every app's API."""

from rest_framework import exceptions, status


class Conflict(exceptions.APIException):
    """409; ``errors`` (``{field: [message]}``) names the fields in conflict, if any."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail=None, code=None, *, errors: dict[str, list[str]] | None = None):
        super().__init__(detail, code)
        self.errors = errors


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class RequestEntityTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Payload too large."
    default_code = "payload_too_large"
