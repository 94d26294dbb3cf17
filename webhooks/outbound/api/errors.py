"""Service refusals as API errors."""

from rest_framework import exceptions, status

from webhooks.outbound.errors import OutboundError, PayloadTooLarge, SubscriptionDisabled


class RequestEntityTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Payload too large."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def as_api_error(exc: OutboundError) -> exceptions.APIException:
    if isinstance(exc, PayloadTooLarge):
        return RequestEntityTooLarge(str(exc))
    if isinstance(exc, SubscriptionDisabled):
        return Conflict(str(exc))
    return exceptions.ValidationError({"event_type": [str(exc)]})
