from rest_framework import exceptions

from connectors.errors import (
    CallInProgress,
    ConnectionDisabled,
    ConnectorError,
    IdempotencyKeyReused,
    UnexpectedField,
    UnknownCapability,
)
from connectors.providers import all_definitions
from core.api.errors import Conflict, Unprocessable


def as_api_error(exc: ConnectorError) -> exceptions.APIException:
    if isinstance(exc, UnknownCapability) and exc.capability in all_capabilities():
        # a capability of other connectors, not of this connection's: well-formed, unprocessable
        return Unprocessable(str(exc), code="not_for_this_connector")
    if isinstance(exc, IdempotencyKeyReused):
        return Unprocessable(str(exc), code="idempotency_key_reused")
    if isinstance(exc, CallInProgress):
        return Conflict(str(exc), code="call_in_progress")
    if isinstance(exc, ConnectionDisabled):
        return Conflict(str(exc), code="connection_disabled")
    return exceptions.ValidationError({exc.field: [str(exc)]})


def as_update_error(exc: ConnectorError) -> exceptions.APIException:
    """A change to a stored connection naming a field its connector doesn't have: a well-formed
    request this connection can't take (422). Emptying a required field stays a 400."""
    if isinstance(exc, UnexpectedField):
        return Unprocessable(f"{exc.field}: {exc}", code="not_for_this_connector")
    return as_api_error(exc)


def all_capabilities() -> list[str]:
    return sorted({c.id for d in all_definitions() for c in d.capabilities})
