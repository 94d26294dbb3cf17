"""The CRM API: clients, sync runs, sync settings and "sync now" per connection, conflicts,
and seed 004's sync-status endpoints."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors.models import Connection
from core.api.errors import Conflict as ApiConflict
from core.api.schema import ErrorSerializer, SeedErrorSerializer, error_responses, query_filter
from core.api.seed import SeedResponseMixin
from crm_sync import selectors
from crm_sync.api.serializers import (
    ClientFilterSerializer,
    ClientSerializer,
    ClientWriteSerializer,
    ConflictSerializer,
    ResolveConflictSerializer,
    RunFilterSerializer,
    SyncRunSerializer,
    SyncSettingsSerializer,
    SyncStatusSummarySerializer,
    UpdateSyncStatusSerializer,
)
from crm_sync.models import Client, Conflict, RunStatus, SyncRun, SyncStatus, SyncTrigger
from crm_sync.services import clients, conflicts, polling, profiles
from tenants.scoping import TenantScopedMixin, request_tenant

EMAIL_TAKEN = "Another client has this email (one client per address)."
CLIENT_FILTERS = [
    OpenApiParameter("sync_status", {"type": "string", "enum": [*SyncStatus.values, ""]}),
    OpenApiParameter("provider", str, description="linked to this provider (hubspot, ...)"),
    OpenApiParameter("search", str, description="in name, email and company"),
]


def _filters(serializer_class, request: Request) -> dict:
    """The list's query filters, validated: a bad one is a 400 naming it."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ClientViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Clients of the local CRM. A change made here is pushed to the linked CRMs."""

    queryset = Client.objects.all()
    serializer_class = ClientSerializer
    http_method_names = ["get", "post", "patch", "delete"]

    def get_queryset(self):
        return selectors.clients_for(
            tenant=self.tenant, **_filters(ClientFilterSerializer, self.request)
        )

    @extend_schema(parameters=CLIENT_FILTERS)
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ClientWriteSerializer,
        responses={201: ClientSerializer, **error_responses({409: EMAIL_TAKEN})},
    )
    def create(self, request: Request) -> Response:
        values = self._valid(request, instance=None)
        client = clients.create_client(tenant=self.tenant, values=values)
        return Response(ClientSerializer(client).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ClientWriteSerializer,
        responses={200: ClientSerializer, **error_responses({409: EMAIL_TAKEN})},
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        client = self.get_object()
        values = self._valid(request, instance=client)
        client = clients.update_client(client=client, changes=values)
        return Response(ClientSerializer(client).data)

    def destroy(self, request: Request, pk=None) -> Response:
        clients.delete_client(client=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _valid(self, request: Request, *, instance: Client | None) -> dict:
        serializer = ClientWriteSerializer(
            instance,
            data=request.data,
            partial=instance is not None,
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class SyncRunViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = SyncRun.objects.all()
    serializer_class = SyncRunSerializer

    def get_queryset(self):
        found = _filters(RunFilterSerializer, self.request)
        if "connection" in found:
            found["connection_id"] = found.pop("connection")
        return selectors.runs_for(tenant=self.tenant, **found)

    @extend_schema(
        parameters=[
            OpenApiParameter("connection", query_filter({"type": "string", "format": "uuid"})),
            OpenApiParameter("status", {"type": "string", "enum": [*RunStatus.values, ""]}),
            OpenApiParameter("trigger", {"type": "string", "enum": [*SyncTrigger.values, ""]}),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)


class ConflictViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Conflicts held for review (``manual_review``); resolve keeps one side."""

    queryset = Conflict.objects.select_related("reference")
    serializer_class = ConflictSerializer

    @extend_schema(
        request=ResolveConflictSerializer, responses={200: ConflictSerializer, 409: ErrorSerializer}
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk=None) -> Response:
        serializer = ResolveConflictSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            conflict = conflicts.resolve(
                conflict=self.get_object(), keep=serializer.validated_data["keep"]
            )
        except conflicts.ConflictClosed as exc:
            raise ApiConflict(str(exc), code="conflict_closed") from exc
        return Response(ConflictSerializer(conflict).data)


NOT_A_CRM = error_responses({409: "The connection's connector doesn't sync contacts."})


def _crm_connection(request: Request, pk) -> Connection:
    connection = get_object_or_404(Connection, pk=pk, tenant=request_tenant(request))
    if not profiles.syncs(connection):  # the connection exists: it isn't a CRM one
        raise ApiConflict(f"{connection.connector} connections don't sync contacts")
    return connection


class SyncNowView(APIView):
    @extend_schema(request=None, responses={202: SyncRunSerializer, **NOT_A_CRM})
    def post(self, request: Request, pk) -> Response:
        """Poll now: a queued manual run, polled by a worker."""
        run = polling.poll_connection_now(connection=_crm_connection(request, pk))
        return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class SyncSettingsView(APIView):
    @extend_schema(responses={200: SyncSettingsSerializer, **NOT_A_CRM})
    def get(self, request: Request, pk) -> Response:
        profile = profiles.profile_for(_crm_connection(request, pk))
        return Response(SyncSettingsSerializer(profile).data)

    @extend_schema(
        request=SyncSettingsSerializer, responses={200: SyncSettingsSerializer, **NOT_A_CRM}
    )
    def patch(self, request: Request, pk) -> Response:
        connection = _crm_connection(request, pk)
        serializer = SyncSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            profile = profiles.update_settings(
                connection=connection, changes=dict(serializer.validated_data)
            )
        except profiles.InvalidSyncSettings as exc:
            raise ValidationError({exc.field: str(exc)}) from exc
        return Response(SyncSettingsSerializer(profile).data)


class SyncStatusView(SeedResponseMixin, APIView):
    """Seed 004: ``GET /api/crm/sync-status``."""

    @extend_schema(responses=SyncStatusSummarySerializer)
    def get(self, request: Request) -> Response:
        return Response(selectors.sync_status_summary(tenant=request_tenant(request)))


class UpdateSyncStatusView(SeedResponseMixin, APIView):
    """Seed 004: ``POST /api/crm/update-sync-status``."""

    @extend_schema(
        request=UpdateSyncStatusSerializer,
        responses={
            200: inline_serializer(
                "UpdateSyncStatusResponse", {"success": serializers.BooleanField()}
            ),
            404: SeedErrorSerializer,  # an unknown clientId
        },
    )
    def post(self, request: Request) -> Response:
        serializer = UpdateSyncStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        client = Client.objects.filter(pk=data["clientId"], tenant=request_tenant(request)).first()
        if client is None:
            raise NotFound("client not found")
        clients.change_sync_status(client=client, status=data["status"])
        return Response({"success": True})
