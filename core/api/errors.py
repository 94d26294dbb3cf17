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


# Seconds a client is told to wait (``Retry-After``) while the database is unavailable.
DATABASE_RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(exceptions.APIException):
    """503 with ``Retry-After``: the database can't be reached (a restart, a failover), so
    nothing was read or stored; the same request is worth repeating shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; retry in a few seconds."
    default_code = "database_unavailable"
    wait = DATABASE_RETRY_AFTER_SECONDS  # DRF's handler turns ``wait`` into Retry-After
