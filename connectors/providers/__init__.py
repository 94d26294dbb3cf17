"""The provider registry: one module per provider, looked up by code or by seed 002's alias."""

from __future__ import annotations

from connectors.providers import (
    dynamics,
    github,
    google,
    hubspot,
    linkedin,
    meta,
    notion,
    salesforce,
    slack,
    standard,
    whatsapp,
    zapier,
)
from connectors.providers.base import ConnectorDefinition

MODULES = (
    salesforce,
    hubspot,
    dynamics,
    notion,
    slack,
    github,
    google,
    whatsapp,
    linkedin,
    meta,
    zapier,
    standard,
)

DEFINITIONS: dict[str, ConnectorDefinition] = {m.DEFINITION.code: m.DEFINITION for m in MODULES}
_ALIASES = {alias: d.code for d in DEFINITIONS.values() for alias in d.aliases}


def canonical_code(code_or_alias: str) -> str | None:
    if code_or_alias in DEFINITIONS:
        return code_or_alias
    return _ALIASES.get(code_or_alias)


def get_definition(code_or_alias: str) -> ConnectorDefinition | None:
    code = canonical_code(code_or_alias)
    return DEFINITIONS.get(code) if code else None


def all_definitions() -> list[ConnectorDefinition]:
    return list(DEFINITIONS.values())
