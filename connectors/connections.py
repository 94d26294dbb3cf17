"""Writes for connections: validated against the connector's definition, secrets encrypted."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from connectors.errors import MissingField, UnexpectedField, UnknownConnector
from connectors.models import Connection, ConnectionStatus
from connectors.providers import get_definition
from connectors.providers.base import ConnectorDefinition, Field
from connectors.selectors import webhook_secret
from core.constraints import ensure_unique
from tenants.models import Tenant
from webhooks.inbound.registrations import connection_secret_changed

UPDATABLE = {"name", "config", "credentials", "base_url", "status"}


def definition_for(code: str) -> ConnectorDefinition:
    definition = get_definition(code)
    if definition is None:
        raise UnknownConnector(code)
    return definition


def validate_fields(
    definition: ConnectorDefinition, *, config: dict[str, Any], credentials: dict[str, Any]
) -> None:
    """Every required field present and non-empty, no field the connector doesn't know."""
    for section, fields, values in (
        ("config", definition.config_fields, config),
        ("credentials", definition.credential_fields, credentials),
    ):
        _check_section(section, fields, values)


def _check_section(section: str, fields: tuple[Field, ...], values: dict[str, Any]) -> None:
    known = {f.name for f in fields}
    for name in values:
        if name not in known:
            raise UnexpectedField(section, name)
    for f in fields:
        if f.required and values.get(f.name) in (None, ""):
            raise MissingField(section, f.name)


def split_installation_config(
    definition: ConnectorDefinition, installation_config: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Seed 002 sends one ``installation_config``: credentials go where the definition says."""
    secret_names = {f.name for f in definition.credential_fields}
    credentials = {k: v for k, v in installation_config.items() if k in secret_names}
    config = {k: v for k, v in installation_config.items() if k not in secret_names}
    return config, credentials


@transaction.atomic
def create_connection(
    *,
    tenant: Tenant,
    connector: str,
    name: str = "",
    config: dict[str, Any] | None = None,
    credentials: dict[str, Any] | None = None,
    base_url: str = "",
) -> Connection:
    definition = definition_for(connector)
    config, credentials = config or {}, credentials or {}
    validate_fields(definition, config=config, credentials=credentials)
    name = name or definition.name
    connection = Connection(
        tenant=tenant,
        connector=definition.code,
        name=name,
        config=config,
        credentials=credentials,
        base_url=base_url,
    )
    ensure_unique(connection)
    connection.save(force_insert=True)
    return connection


@transaction.atomic
def update_connection(*, connection: Connection, changes: dict[str, Any]) -> Connection:
    """Apply changes; ``config`` and ``credentials`` merge into what is stored (None removes)."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"cannot update {', '.join(sorted(unknown))}")
    signed_with = webhook_secret(connection)
    was_active = connection.status == ConnectionStatus.ACTIVE
    for section in ("config", "credentials"):
        if section in changes:
            merged = {**getattr(connection, section), **changes.pop(section)}
            setattr(connection, section, {k: v for k, v in merged.items() if v is not None})
    for name, value in changes.items():
        setattr(connection, name, value)
    validate_fields(
        definition_for(connection.connector),
        config=connection.config,
        credentials=connection.credentials,
    )
    ensure_unique(connection)
    connection.save()
    if webhook_secret(connection) != signed_with:
        connection_secret_changed(connection=connection)
    if was_active and connection.status != ConnectionStatus.ACTIVE:
        _disabled(connection)
    return connection


@transaction.atomic
def set_status(*, connection: Connection, status: str) -> Connection:
    was_active = connection.status == ConnectionStatus.ACTIVE
    connection.status = ConnectionStatus(status)
    connection.save(update_fields=["status", "updated_at"])
    if was_active and connection.status != ConnectionStatus.ACTIVE:
        _disabled(connection)
    return connection


def _disabled(connection: Connection) -> None:
    """Disabled means settled: the calls waiting for it fail now, saying why (replay them
    once it is active again), instead of being sent through a connection meant to be off."""
    from connectors.calls.runner import fail_waiting  # the runner imports this module

    fail_waiting(connection_id=connection.pk)
