"""A provider's contact record in canonical terms and back: the five canonical fields under
each CRM's own names, and the ``RemoteContact`` built from a record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_sync.remote.base import RemoteContact, RemoteError
from crm_sync.remote.keyset import parse_time

CANONICAL_FIELDS = ("first_name", "last_name", "email", "phone", "company")


def make_contact(
    *,
    provider: str,
    external_id: Any,
    values: Mapping[str, Any],
    names: Mapping[str, str],
    modified: Any,
    raw: dict,
) -> RemoteContact:
    """The contact a provider record describes. A record without an id or a readable modified
    time is an error, not a row to skip: skipping it would be a gap the cursor moves past."""
    if external_id in (None, ""):
        raise RemoteError(f"{provider} returned a contact without an id")
    return RemoteContact(
        provider=provider,
        external_id=str(external_id),
        fields=canonical_fields(values, names),
        modified_at=parse_time(modified),
        raw=raw,
    )


def canonical_fields(record: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, str]:
    """The canonical fields (``names``: canonical key -> the provider's) that ``record`` has a
    value for; empty and null values are left out, and so are non-text ones (references)."""
    found = {}
    for key, name in names.items():
        value = record.get(name)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "":
            found[key] = str(value)
    return found


def provider_fields(
    fields: Mapping[str, str], names: Mapping[str, str], *, blank: Any
) -> dict[str, Any]:
    """Canonical ``fields`` under the provider's names, for a push. Keys the provider has no
    field for (a Salesforce contact has no company) are left out; an empty value becomes
    ``blank``, the provider's way of clearing a field."""
    unknown = sorted(set(fields) - set(CANONICAL_FIELDS))
    if unknown:
        raise ValueError(f"unknown contact fields {unknown}; known: {list(CANONICAL_FIELDS)}")
    return {names[k]: v if v not in ("", None) else blank for k, v in fields.items() if k in names}
