"""Whether anyone would hear of an inbound event published as ``<provider>.<event_type>``.

Publishing writes an outbox event even when no subscription matches: about seven round trips
per inbound event, most of the cost of processing one. Processing asks here once per batch
(one query for the batch's tenants) and skips the publish handler for events nobody hears.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from webhooks.inbound.models import InboundEvent
from webhooks.outbound import publishing
from webhooks.outbound.event_types import matches
from webhooks.outbound.models import Subscription


def hub_type(event: InboundEvent) -> str:
    return f"{event.provider}.{event.event_type}"


class Audience:
    """The enabled subscriptions' event filters of some tenants, read once."""

    def __init__(self, filters: dict[Any, list[list[str]]]) -> None:
        self._filters = filters

    def hears(self, event: InboundEvent) -> bool:
        name = hub_type(event)
        # In-process listeners act on a publish even with no subscription.
        if publishing.has_listeners(name):
            return True
        return any(matches(patterns, name) for patterns in self._filters.get(event.tenant_id, ()))


def audience_of(events: Iterable[InboundEvent]) -> Audience:
    tenant_ids = {event.tenant_id for event in events}
    filters: dict[Any, list[list[str]]] = defaultdict(list)
    rows = Subscription.objects.filter(tenant_id__in=tenant_ids, enabled=True).values_list(
        "tenant_id", "event_types"
    )
    for tenant_id, patterns in rows:
        filters[tenant_id].append(patterns)
    return Audience(filters)
