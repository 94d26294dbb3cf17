"""The event types subscribers can hear of. Apps declare theirs at start (AppConfig.ready);
publishing or subscribing to an undeclared type is refused with a 400."""

from __future__ import annotations

from dataclasses import dataclass

WILDCARD = "*"


@dataclass(frozen=True)
class EventType:
    name: str
    description: str


_declared: dict[str, EventType] = {}


def declare(name: str, description: str) -> EventType:
    event_type = EventType(name=name, description=description)
    _declared[name] = event_type
    return event_type


def is_declared(name: str) -> bool:
    return name in _declared


def declared() -> list[EventType]:
    return sorted(_declared.values(), key=lambda event_type: event_type.name)


def is_valid_pattern(pattern: str) -> bool:
    """``*``, a declared type, or a ``prefix.*`` that covers at least one declared type."""
    if pattern == WILDCARD or is_declared(pattern):
        return True
    if pattern.endswith(".*"):
        return any(name.startswith(pattern[:-1]) for name in _declared)
    return False


def valid_patterns() -> list[str]:
    """Every pattern ``is_valid_pattern`` accepts, for the API schema's enum."""
    patterns = {p for event_type in _declared for p in matching_patterns(event_type)}
    return sorted(patterns)


def matches(patterns: list[str], event_type: str) -> bool:
    for pattern in patterns:
        if pattern in (WILDCARD, event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def matching_patterns(event_type: str) -> list[str]:
    """Every pattern ``matches`` accepts for ``event_type``: ``*``, the type itself and a
    ``prefix.*`` per dot in it. With these the database can match subscriptions itself (any
    of them in the subscription's list) instead of sending each one's patterns to Python."""
    prefixes = [event_type[: i + 1] + "*" for i, char in enumerate(event_type) if char == "."]
    return [WILDCARD, event_type, *prefixes]


TEST = "webhook.test"
DELIVERY_DEAD = "delivery.dead"


def declare_hub_event_types() -> None:
    declare(TEST, "A test event sent on request to one subscription.")
    declare(DELIVERY_DEAD, "A delivery exhausted its attempts and became a dead letter.")
    declare("client.created", "A client was created in the local CRM.")
    declare("client.updated", "A client's information was updated.")
    declare("client.deleted", "A client was deleted.")
    declare("sync.status.changed", "A client's CRM sync status changed.")
    declare("request_submitted", "A request was submitted (seed 003; Slack connector).")
    declare("request_approved", "A request was approved (seed 003).")
