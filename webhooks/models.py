from webhooks.outbound.models import (
    DeadLetter,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    Subscription,
)

__all__ = ["DeadLetter", "Delivery", "DeliveryAttempt", "DeliveryStatus", "Event", "Subscription"]
