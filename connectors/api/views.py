"""The connectors API: catalog, connections, connector calls and breaker health."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors import connections, selectors
from connectors.api.errors import all_capabilities, as_api_error, as_update_error
from connectors.api.schema import connection_create_schema
from connectors.api.serializers import (
    ConnectionBreakerSerializer,
    ConnectionSerializer,
    ConnectionUpdateSerializer,
    ConnectionWriteSerializer,
    ConnectorCallSerializer,
    ConnectorDefinitionSerializer,
)
from connectors.calls.execute import execute
from connectors.errors import ConnectorError
from connectors.models import Connection, ConnectorCall
from connectors.providers import all_definitions, get_definition
from core.api.schema import ErrorSerializer, error_responses
from tenants.scoping import TenantScopedMixin, request_tenant

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CatalogViewSet(viewsets.ViewSet):
    """The connectors Switchboard knows, with their fields, events and capabilities."""

    lookup_value_regex = "[a-z0-9-]+"

    @extend_schema(responses=ConnectorDefinitionSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(ConnectorDefinitionSerializer(all_definitions(), many=True).data)

    @extend_schema(responses=ConnectorDefinitionSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        definition = get_definition(pk)
        if definition is None:
            raise NotFound(f"unknown connector {pk!r}")
        return Response(ConnectorDefinitionSerializer(definition).data)


class ConnectionViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """A tenant's connections. Credentials are write-only."""

    queryset = Connection.objects.all()
    serializer_class = ConnectionSerializer
    http_method_names = ["get", "post", "patch", "delete"]

    @extend_schema(
        request={"application/json": connection_create_schema()},
        responses={201: ConnectionSerializer, 409: ErrorSerializer},  # 409: the name is taken
    )
    def create(self, request: Request) -> Response:
        data = _valid(ConnectionWriteSerializer, request.data)
        try:
            connection = connections.create_connection(tenant=self.tenant, **data)
        except ConnectorError as exc:
            raise as_api_error(exc) from exc
        return Response(ConnectionSerializer(connection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ConnectionUpdateSerializer,
        responses={
            200: ConnectionSerializer,
            **error_responses(
                {
                    409: "Another connection has that name.",
                    422: "Config or credentials fields this connection's connector lacks.",
                }
            ),
        },
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        changes = _valid(ConnectionUpdateSerializer, request.data)
        try:
            connection = connections.update_connection(
                connection=self.get_object(), changes=changes
            )
        except ConnectorError as exc:
            raise as_update_error(exc) from exc
        return Response(ConnectionSerializer(connection).data)

    @extend_schema(
        request={"application/json": {"type": "object"}},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^\S(.*\S)?$"},
                OpenApiParameter.HEADER,
                required=True,
            ),
            OpenApiParameter(
                "capability",
                {"type": "string", "enum": all_capabilities()},
                OpenApiParameter.PATH,
                description="422: a capability of another connector than this connection's",
            ),
        ],
        responses={202: ConnectorCallSerializer, 409: ErrorSerializer, 422: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"execute/(?P<capability>[A-Za-z0-9_.-]+)")
    def execute(self, request: Request, pk=None, capability: str = "") -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key or len(key) > 255:
            raise ValidationError(
                {IDEMPOTENCY_HEADER: ["this header is required (1-255 characters)"]}
            )
        if not isinstance(request.data, dict):
            raise ValidationError({"payload": ["the body must be a JSON object"]})
        try:
            result = execute(self.get_object(), capability, dict(request.data), key)
        except ConnectorError as exc:
            raise as_api_error(exc) from exc
        response = Response(ConnectorCallSerializer(result.call).data, status=202)
        if not result.created:
            response["Idempotent-Replayed"] = "true"  # the stored call; the provider wasn't touched
        return response

    @extend_schema(responses=ConnectionBreakerSerializer)
    @action(detail=True, methods=["get"])
    def breaker(self, request: Request, pk=None) -> Response:
        """This connection's own circuit breaker (seed 000's health shape, plus its id)."""
        return Response(selectors.connection_breaker(connection=self.get_object()))


class ConnectorCallViewSet(
    TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = ConnectorCall.objects.all()
    serializer_class = ConnectorCallSerializer


BREAKER_FIELDS = {
    "name": serializers.CharField(),
    "state": serializers.ChoiceField(choices=["closed", "half-open", "open"]),
    "window_seconds": serializers.IntegerField(),
    "calls": serializers.IntegerField(),
    "failures": serializers.IntegerField(),
    "failure_rate": serializers.FloatField(),
    "open_until": serializers.FloatField(allow_null=True, help_text="Unix time"),
    "connections": serializers.IntegerField(help_text="The caller's connections combined."),
}


class BreakerHealthView(APIView):
    """Seed 000: ``GET /api/connectors/{name}/health``, over the caller's own connections of
    that connector (breakers are per connection): the worst state, counts summed."""

    @extend_schema(responses=inline_serializer("BreakerSnapshot", BREAKER_FIELDS))
    def get(self, request: Request, name: str) -> Response:
        definition = get_definition(name)
        if definition is None:
            raise NotFound(f"unknown connector {name!r}")
        tenant = request_tenant(request)
        return Response(selectors.breaker_health(tenant=tenant, connector_code=definition.code)[0])


class BreakerHealthListView(APIView):
    """Seed 000: ``GET /api/connectors/health``, every connector's, over the caller's own
    connections."""

    @extend_schema(responses=inline_serializer("BreakerSnapshot", BREAKER_FIELDS, many=True))
    def get(self, request: Request) -> Response:
        return Response(selectors.breaker_health(tenant=request_tenant(request)))
