from rest_framework import exceptions

from connectors.errors import (
    CallInProgress,
    ConnectionDisabled,
    ConnectorError,
    IdempotencyKeyReused,
)
from core.api.errors import Conflict, Unprocessable


def as_api_error(exc: ConnectorError) -> exceptions.APIException:
    if isinstance(exc, IdempotencyKeyReused):
        return Unprocessable(str(exc), code="idempotency_key_reused")
    if isinstance(exc, CallInProgress):
        return Conflict(str(exc), code="call_in_progress")
    if isinstance(exc, ConnectionDisabled):
        return Conflict(str(exc), code="connection_disabled")
    return exceptions.ValidationError({exc.field: [str(exc)]})
