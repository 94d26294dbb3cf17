"""Small helpers capabilities share to call a provider through the hub's HTTP seam."""

from __future__ import annotations

from typing import Any

import requests

from connectors.providers.base import CapabilityContext, ProviderError
from core.http import TargetNotAllowed


def url(context: CapabilityContext, path: str) -> str:
    return context.base_url.rstrip("/") + "/" + path.lstrip("/")


def send(
    context: CapabilityContext,
    method: str,
    target: str,
    *,
    provider: str,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """One request; transport failures become retryable ProviderErrors, an address the guard
    refuses a permanent one (the hub refused it: no retry helps, and the provider's health
    isn't in question)."""
    try:
        return context.session.request(
            method,
            target,
            json=json,
            headers={"Idempotency-Key": context.idempotency_key, **(headers or {})},
            timeout=(context.timeout, context.timeout),
            allow_redirects=False,
        )
    except TargetNotAllowed as refused:  # a ConnectionError: before the retryable catch-all
        raise ProviderError(f"{provider} not called: {refused}") from refused
    except requests.RequestException as exc:
        raise ProviderError(
            f"{provider} unreachable: {type(exc).__name__}: {exc}", retryable=True
        ) from exc


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
