"""Request schemas the connector catalog decides: which connector codes exist and, per
connector, which config and credential fields it knows and requires. One ``oneOf`` branch per
connector, so a client (and the API's own contract test) knows what a connection needs."""

from __future__ import annotations

from typing import Any

from connectors.providers import all_definitions
from connectors.providers.base import ConnectorDefinition, Field
from core.api.fields import HTTP_URL_PATTERN
from core.api.schema import NOT_NULL

NOT_BLANK = {"not": {"enum": [None, ""]}}  # present, not null and not ""
NAME = {"type": "string", "maxLength": 200}
BASE_URL = {
    "type": "string",
    "maxLength": 500,
    "anyOf": [{"maxLength": 0}, {"pattern": HTTP_URL_PATTERN}],
}


def connector_codes() -> list[str]:
    return sorted({name for d in all_definitions() for name in (d.code, *d.aliases)})


def fields_schema(fields: tuple[Field, ...], *, partial: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: {"description": f.description} for f in fields},
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required]
    for name in required:
        schema["properties"][name].update(NOT_BLANK)
    if required and not partial:
        schema["required"] = required
    return schema


def _connector(definition: ConnectorDefinition) -> dict[str, Any]:
    return {"type": "string", "enum": [definition.code, *definition.aliases]}


def per_connector(
    common: dict[str, Any], branch: Any, *, connector_property: str, only: Any = None
) -> dict[str, Any]:
    """``oneOf`` a branch per connector: ``common`` properties, the connector's code (or an alias)
    in ``connector_property`` and whatever ``branch(definition)`` adds (properties, required)."""
    branches = []
    for definition in all_definitions():
        if only is not None and not only(definition):
            continue
        properties, required = branch(definition)
        branches.append(
            {
                "type": "object",
                "properties": {
                    **common,
                    connector_property: _connector(definition),
                    **properties,
                },
                "required": [connector_property, *required],
            }
        )
    return {"oneOf": branches}


def _sections(definition: ConnectorDefinition) -> tuple[dict[str, Any], list[str]]:
    properties = {
        "config": fields_schema(definition.config_fields),
        "credentials": {**fields_schema(definition.credential_fields), "writeOnly": True},
    }
    required = [
        section
        for section, fields in (
            ("config", definition.config_fields),
            ("credentials", definition.credential_fields),
        )
        if any(f.required for f in fields)
    ]
    return properties, required


def connection_create_schema() -> dict[str, Any]:
    """``POST /api/v1/connections``."""
    common = {"name": NAME, "base_url": BASE_URL}
    return per_connector(common, _sections, connector_property="connector")


def installation_schema() -> dict[str, Any]:
    """Seed 002's ``POST /api/v2/integrations/connectors``: INSTALL needs the connector's
    required fields, UPDATE merges any of its fields into the installed ones, UNINSTALL reads
    none."""
    common = {"connection_id": {"type": "string", "format": "uuid"}, "name": NAME}

    def operation(name: str, *, partial: bool):
        def branch(definition: ConnectorDefinition) -> tuple[dict[str, Any], list[str]]:
            fields = definition.config_fields + definition.credential_fields
            config = fields_schema(fields, partial=partial)
            required = ["installation_config"] if config.get("required") else []
            return {
                "operation": {"type": "string", "enum": [name]},
                "installation_config": config,
                "base_url": BASE_URL,
            }, ["operation", *required]

        return per_connector(common, branch, connector_property="connector_code")["oneOf"]

    uninstall = {
        "type": "object",
        "properties": {
            **common,
            "operation": {"type": "string", "enum": ["UNINSTALL"]},
            "connector_code": {"type": "string", "enum": connector_codes()},
            "installation_config": {"type": "object", "additionalProperties": {}},
        },
        "required": ["operation", "connector_code"],
    }
    return {
        "oneOf": [
            *operation("INSTALL", partial=False),
            *operation("UPDATE", partial=True),
            uninstall,
        ]
    }


def integration_event_schema() -> dict[str, Any]:
    """Seed 002's ``POST /api/v2/integrations/events``: an event type of that connector."""
    common = {
        "event_source": {"type": "string", "maxLength": 120},
        "event_data": {"anyOf": NOT_NULL},
        "smart_code": {"type": "string", "maxLength": 200},
        "idempotency_key": {"type": "string", "maxLength": 255},
    }

    def branch(definition: ConnectorDefinition) -> tuple[dict[str, Any], list[str]]:
        return {"event_type": {"type": "string", "enum": list(definition.events)}}, ["event_type"]

    return per_connector(
        common, branch, connector_property="connector_code", only=lambda d: d.events
    )
