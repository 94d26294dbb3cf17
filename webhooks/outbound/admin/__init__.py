"""The Django admin for outbound webhooks: subscriptions, events, deliveries and dead letters.

Every action calls the outbound services; nothing here writes a row itself.
"""

from webhooks.outbound.admin import deliveries, subscriptions

__all__ = ["deliveries", "subscriptions"]
