"""The client side of CRM polling and fetching: one adapter module per CRM (``hubspot``,
``salesforce``, ``dynamics``) speaking that CRM's own REST API through ``RemoteApi``.

Each adapter offers ``fetch_page`` (one page of a poll, with the cursor to save beside it),
``fetch_contact``, ``from_webhook``, ``push_request`` and ``pushed_external_id``.
"""

from __future__ import annotations

from types import ModuleType

from crm_sync.remote import dynamics, hubspot, salesforce
from crm_sync.remote.base import (
    Page,
    RateLimited,
    RemoteApi,
    RemoteContact,
    RemoteError,
    WebhookChange,
)

POLLING_PROVIDERS = ("hubspot", "salesforce", "dynamics")
_ADAPTERS: dict[str, ModuleType] = {m.PROVIDER: m for m in (hubspot, salesforce, dynamics)}


def adapter_for(provider: str) -> ModuleType:
    """The adapter module for ``provider``; ValueError for one that isn't polled."""
    try:
        return _ADAPTERS[provider]
    except KeyError:
        known = ", ".join(POLLING_PROVIDERS)
        raise ValueError(f"no CRM adapter for {provider!r}; adapters: {known}") from None


__all__ = [
    "POLLING_PROVIDERS",
    "Page",
    "RateLimited",
    "RemoteApi",
    "RemoteContact",
    "RemoteError",
    "WebhookChange",
    "adapter_for",
]
