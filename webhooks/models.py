from webhooks.inbound.models import (
    InboundEvent,
    InboundStatus,
    RegistrationKind,
    RegistrationStatus,
    WebhookRegistration,
)
from webhooks.outbound.models import (
    DeadLetter,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    Subscription,
)

__all__ = [
    "DeadLetter",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Event",
    "InboundEvent",
    "InboundStatus",
    "RegistrationKind",
    "RegistrationStatus",
    "Subscription",
    "WebhookRegistration",
]
