"""The HTTP request a delivery sends: body envelope, signatures, and headers."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from webhooks.outbound import signing
from webhooks.outbound.errors import RedactedHeaderValue
from webhooks.outbound.models import Delivery, Subscription

RESERVED_HEADER = re.compile(r"^(webhook-|x-webhook-|content-|host$|user-agent$)", re.I)
SENSITIVE_HEADER = re.compile(r"(auth|token|secret|key|password|cookie|signature)", re.I)
REDACTED = "[redacted]"


def _user_agent() -> str:
    try:
        return f"Switchboard-Webhooks/{version('switchboard')}"
    except PackageNotFoundError:
        return "Switchboard-Webhooks"


USER_AGENT = _user_agent()


def custom_headers_problem(headers: dict) -> str | None:
    """Why a subscription's custom headers can't be sent, or None."""
    for name, value in headers.items():
        if not isinstance(value, str) or "\n" in value or "\r" in value:
            return f"header {name!r} must be a one-line string"
        if RESERVED_HEADER.match(name) or not name.replace("-", "").isalnum():
            return f"header {name!r} is reserved or not a valid name"
    return None


def redacted_headers(headers: dict) -> dict:
    """Custom headers as shown (API, admin): names, and credential-like values redacted."""
    return {
        name: REDACTED if SENSITIVE_HEADER.search(name) else value
        for name, value in headers.items()
    }


def keep_redacted(headers: dict, stored: dict) -> dict:
    """Custom headers as a client sends back what it was shown: the redaction marker keeps the
    stored value (so a GET -> PATCH round trip never overwrites a credential with it); the
    marker for a header with no stored value is refused."""
    for name, value in headers.items():
        if value == REDACTED and name not in stored:
            raise RedactedHeaderValue(name, REDACTED)
    return {name: stored[name] if value == REDACTED else value for name, value in headers.items()}


@dataclass(frozen=True)
class OutboundRequest:
    url: str
    body: bytes
    headers: dict[str, str]
    attempt_number: int

    def loggable_headers(self, custom_names: set[str]) -> dict[str, str]:
        """Headers as recorded on the attempt: custom credentials are not kept."""
        return {
            name: REDACTED if name in custom_names and SENSITIVE_HEADER.search(name) else value
            for name, value in self.headers.items()
        }


def envelope(delivery: Delivery) -> bytes:
    """``type``/``timestamp``/``data`` (Standard Webhooks) and ``event`` (seed 004) in one."""
    event = delivery.event
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.event_type,
            "event": event.event_type,
            "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
            "data": event.payload,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def signing_secrets(subscription: Subscription, *, now: datetime) -> list[str]:
    """The current secret, then the previous one while its grace period lasts."""
    in_grace = (
        subscription.previous_secret
        and subscription.previous_secret_expires_at
        and subscription.previous_secret_expires_at > now
    )
    return (
        [subscription.secret, subscription.previous_secret] if in_grace else [subscription.secret]
    )


def build_request(delivery: Delivery, *, now: datetime) -> OutboundRequest:
    subscription, event = delivery.subscription, delivery.event
    body = envelope(delivery)
    number = delivery.total_attempts + 1
    headers = {name: str(value) for name, value in (subscription.headers or {}).items()}
    headers.update(
        {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Webhook-Event": event.event_type,
            "X-Webhook-Event-Id": str(event.id),
            **signing.signature_headers(
                signing_secrets(subscription, now=now),
                msg_id=str(delivery.id),
                timestamp=int(time.time()),
                body=body,
            ),
        }
    )
    if number > 1:
        headers["X-Webhook-Retry"] = str(number)
    return OutboundRequest(url=subscription.url, body=body, headers=headers, attempt_number=number)
