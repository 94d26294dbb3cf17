"""Seed 002's Integration Hub endpoints (``/api/v2/integrations/...``), in its shapes:
``{success: true, ...}``, or ``{success: false, error, details}``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors import connections, selectors
from connectors.api.errors import as_api_error
from connectors.api.schema import installation_schema, integration_event_schema
from connectors.api.serializers import (
    ConnectionSerializer,
    InstallSerializer,
    IntegrationEventSerializer,
    IntegrationEventWriteSerializer,
    LogsQuerySerializer,
)
from connectors.api.views import _valid
from connectors.errors import ConnectorError
from connectors.integration_events import record_integration_event
from connectors.models import Connection
from core.api.errors import Conflict
from core.api.schema import SeedErrorSerializer
from core.api.seed import SeedResponseMixin
from tenants.models import Tenant
from tenants.scoping import request_tenant

INSTALLED = inline_serializer(
    "Installed",
    {
        "success": serializers.BooleanField(),
        "connection": ConnectionSerializer(required=False),
        "connection_id": serializers.CharField(required=False, help_text="UNINSTALL's reply"),
    },
)
RECORDED = inline_serializer(
    "IntegrationEventRecorded",
    {
        "success": serializers.BooleanField(),
        "event": IntegrationEventSerializer(),
        "duplicate": serializers.BooleanField(),
    },
)
LOGS = inline_serializer(
    "IntegrationLogs",
    {
        "success": serializers.BooleanField(),
        "count": serializers.IntegerField(),
        "logs": serializers.ListField(child=serializers.DictField()),
    },
)


class ConnectorsOperationView(SeedResponseMixin, APIView):
    @extend_schema(
        request={"application/json": installation_schema()},
        responses={
            201: INSTALLED,
            200: INSTALLED,
            404: SeedErrorSerializer,  # UPDATE or UNINSTALL with no such connection installed
            409: SeedErrorSerializer,  # the name is taken; several installed, none named
        },
    )
    def post(self, request: Request) -> Response:
        data = _valid(InstallSerializer, request.data)
        tenant = request_tenant(request)
        try:
            return _operations[data["operation"]](tenant, data)
        except ConnectorError as exc:
            raise as_api_error(exc) from exc


def _install(tenant: Tenant, data: dict) -> Response:
    definition = connections.definition_for(data["connector_code"])
    config, credentials = connections.split_installation_config(
        definition, data["installation_config"]
    )
    connection = connections.create_connection(
        tenant=tenant,
        connector=definition.code,
        name=data.get("name") or definition.name,
        config=config,
        credentials=credentials,
        base_url=data.get("base_url", ""),
    )
    body = {"success": True, "connection": ConnectionSerializer(connection).data}
    return Response(body, status=status.HTTP_201_CREATED)


def _update(tenant: Tenant, data: dict) -> Response:
    connection = _installed(tenant, data)
    definition = connections.definition_for(connection.connector)
    config, credentials = connections.split_installation_config(
        definition, data["installation_config"]
    )
    changes = {"config": config, "credentials": credentials}
    if data.get("base_url") is not None and "base_url" in data:
        changes["base_url"] = data["base_url"]
    connection = connections.update_connection(connection=connection, changes=changes)
    return Response({"success": True, "connection": ConnectionSerializer(connection).data})


def _uninstall(tenant: Tenant, data: dict) -> Response:
    connection = _installed(tenant, data)
    connection.delete()
    return Response({"success": True, "connection_id": str(data.get("connection_id") or "")})


def _installed(tenant: Tenant, data: dict) -> Connection:
    """The connection named by ``connection_id``, else the tenant's only one of that connector."""
    code = connections.definition_for(data["connector_code"]).code
    candidates = Connection.objects.filter(tenant=tenant, connector=code)
    if data.get("connection_id"):
        candidates = candidates.filter(pk=data["connection_id"])
    found = list(candidates[:2])
    if not found:
        raise NotFound(f"no {code} connection is installed")
    if len(found) > 1:  # which one depends on what is installed: name it with connection_id
        raise Conflict(f"several {code} connections are installed: name one (connection_id)")
    return found[0]


_operations = {"INSTALL": _install, "UPDATE": _update, "UNINSTALL": _uninstall}


class IntegrationEventsView(SeedResponseMixin, APIView):
    @extend_schema(
        request={"application/json": integration_event_schema()},
        responses={201: RECORDED, 200: RECORDED, 409: SeedErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _valid(IntegrationEventWriteSerializer, request.data)
        try:
            recorded = record_integration_event(tenant=request_tenant(request), **data)
        except ConnectorError as exc:
            raise as_api_error(exc) from exc
        body = {
            "success": True,
            "event": IntegrationEventSerializer(recorded.event).data,
            "duplicate": not recorded.created,
        }
        return Response(body, status=status.HTTP_201_CREATED if recorded.created else 200)


class IntegrationLogsView(SeedResponseMixin, APIView):
    @extend_schema(request=LogsQuerySerializer, responses=LOGS)
    def post(self, request: Request) -> Response:
        query = _valid(LogsQuerySerializer, request.data)
        logs = selectors.integration_logs(tenant=request_tenant(request), **query)
        return Response({"success": True, "count": len(logs), "logs": logs})
