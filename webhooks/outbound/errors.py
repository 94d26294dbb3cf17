"""Errors the outbound services raise; the API maps each to a clear 4xx."""


class OutboundError(ValueError):
    """Base for refusals caused by the caller's input."""


class UnknownEventType(OutboundError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class PayloadTooLarge(OutboundError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"payload is {size} bytes; the limit is {limit} bytes")
        self.size, self.limit = size, limit


class SubscriptionDisabled(OutboundError):
    def __init__(self) -> None:
        super().__init__("the subscription is disabled")


class RedactedHeaderValue(OutboundError):
    """The redaction marker sent for a custom header that has no stored value to keep."""

    def __init__(self, name: str, marker: str) -> None:
        super().__init__(
            f"enter the value of header {name!r} again: {marker!r} keeps a stored value only"
        )
        self.name = name
