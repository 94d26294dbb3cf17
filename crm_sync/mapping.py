"""Between a provider's contact (canonical remote fields: first_name, last_name, email, phone,
company) and a client's synced fields (name, email, phone, company)."""

from __future__ import annotations

import hashlib
import json

# What each CRM keeps of a client; a field a provider lacks is never cleared by it.
PROVIDER_FIELDS = {
    "hubspot": ("name", "email", "phone", "company"),
    "salesforce": ("name", "email", "phone"),
    "dynamics": ("name", "email", "phone"),
}


def client_values(*, provider: str, remote_fields: dict[str, str]) -> dict[str, str]:
    """The client fields a remote contact says, every field the provider keeps included."""
    name = " ".join(
        part for part in (remote_fields.get("first_name"), remote_fields.get("last_name")) if part
    )
    found = {
        "name": name.strip(),
        "email": (remote_fields.get("email") or "").strip().lower(),
        "phone": (remote_fields.get("phone") or "").strip(),
        "company": (remote_fields.get("company") or "").strip(),
    }
    return {field: found[field] for field in PROVIDER_FIELDS.get(provider, found)}


def remote_fields(*, values: dict[str, str]) -> dict[str, str]:
    """Canonical remote fields for a push: the name split at its last space."""
    first, _, last = (values.get("name") or "").strip().rpartition(" ")
    fields = {
        "first_name": first,
        "last_name": last,
        "email": values.get("email", ""),
        "phone": values.get("phone", ""),
        "company": values.get("company", ""),
    }
    return {name: value for name, value in fields.items() if value}


def values_hash(values: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()
