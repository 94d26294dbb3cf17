"""What a provider module declares: its catalog entry and its capabilities.

Each module of ``connectors/providers/`` exposes ``DEFINITION``, a ``ConnectorDefinition``.
Capabilities are plain functions ``(context, payload) -> response dict`` that speak the
provider's real API through the hub's one HTTP seam and raise ``ProviderError`` when the
provider refuses; retries, backoff, idempotency and the circuit breaker are the caller's job.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests


class AuthType(enum.StrEnum):
    API_KEY = "api_key"
    OAUTH2 = "oauth2"
    WEBHOOK_URL = "webhook_url"
    HMAC_SECRET = "hmac_secret"
    NONE = "none"


@dataclass(frozen=True)
class Field:
    name: str
    description: str
    required: bool = True


@dataclass(frozen=True)
class CapabilityContext:
    """What a capability needs to call the provider for one connection."""

    base_url: str
    config: dict[str, Any]
    credentials: dict[str, Any]
    session: requests.Session
    timeout: float
    idempotency_key: str


class ProviderError(Exception):
    """The provider refused or failed. ``retryable`` says whether trying again can help."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retryable: bool = False,
        retry_after: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable
        self.retry_after = retry_after
        self.body = body


CapabilityHandler = Callable[[CapabilityContext, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Capability:
    id: str
    description: str
    handler: CapabilityHandler


@dataclass(frozen=True)
class ConnectorDefinition:
    code: str
    name: str
    description: str
    auth_type: AuthType
    default_base_url: str = ""
    config_fields: tuple[Field, ...] = ()
    credential_fields: tuple[Field, ...] = ()
    events: tuple[str, ...] = ()
    capabilities: tuple[Capability, ...] = ()
    polls: bool = False
    aliases: tuple[str, ...] = ()
    base_url_field: str = ""  # a config field naming the tenant's own API host, if any
    # The credential the provider signs (or authenticates) its webhooks with. A registration
    # under a connection holding it verifies with it: one secret, kept on the connection.
    webhook_secret_field: str = ""

    def base_url(self, *, override: str, config: dict[str, Any]) -> str:
        """Where to call: the connection's override, its own host, or the provider's."""
        own = config.get(self.base_url_field, "") if self.base_url_field else ""
        return override or own or self.default_base_url

    def capability(self, capability_id: str) -> Capability | None:
        return next((c for c in self.capabilities if c.id == capability_id), None)


RETRYABLE_STATUSES = frozenset({408, 425, 429})


def raise_for_response(response: requests.Response, *, provider: str) -> None:
    """Turn a non-2xx answer into a ProviderError that says whether to retry."""
    if 200 <= response.status_code < 300:
        return
    status = response.status_code
    raise ProviderError(
        f"{provider} answered HTTP {status}: {response.text[:300]}",
        status_code=status,
        retryable=status in RETRYABLE_STATUSES or status >= 500,
        retry_after=response.headers.get("Retry-After"),
        body=_json_or_text(response),
    )


def _json_or_text(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]


def json_body(response: requests.Response) -> dict[str, Any]:
    """A 2xx response's JSON object (empty for 204 and the like)."""
    if not response.content:
        return {}
    body = _json_or_text(response)
    return body if isinstance(body, dict) else {"body": body}
