"""Service refusals as API errors."""

from rest_framework import exceptions

from core.api.errors import Conflict, RequestEntityTooLarge
from webhooks.outbound.errors import (
    OutboundError,
    PayloadTooLarge,
    RedactedHeaderValue,
    SubscriptionDisabled,
)


def as_api_error(exc: OutboundError) -> exceptions.APIException:
    if isinstance(exc, PayloadTooLarge):
        return RequestEntityTooLarge(str(exc))
    if isinstance(exc, SubscriptionDisabled):
        return Conflict(str(exc))
    if isinstance(exc, RedactedHeaderValue):
        return exceptions.ValidationError({"headers": [str(exc)]})
    return exceptions.ValidationError({"event_type": [str(exc)]})
