"""Seed 001's webhook management API: register, list, show, delete, health."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors.errors import ConnectorError
from core.api.errors import Unprocessable
from core.api.parsers import CurlDefaultJSONParser, StorableJSONParser
from core.api.schema import error_responses
from tenants.scoping import request_tenant
from webhooks.inbound import registrations
from webhooks.inbound.health import registration_health
from webhooks.inbound.models import InboundEvent, WebhookRegistration
from webhooks.inbound.registry import INBOUND_PROVIDERS


class InboundEventField(serializers.CharField):
    """``*`` or an event type some inbound provider declares (which one: see the 422)."""

    def openapi_schema(self, schema: dict) -> dict:
        declared = {e for p in INBOUND_PROVIDERS.values() for e in p.DEFINITION.events}
        return {**schema, "enum": ["*", *sorted(declared)]}


class RegisterSerializer(serializers.Serializer):
    connectionId = serializers.UUIDField()  # seed 001's field names
    events = serializers.ListField(child=InboundEventField(max_length=120), allow_empty=False)
    secret = serializers.CharField(required=False, min_length=8, max_length=500)
    config = serializers.DictField(required=False)


def registration_data(registration: WebhookRegistration, *, with_health: bool = False) -> dict:
    data = {
        "registrationId": str(registration.id),
        "integrationId": registration.provider,
        "connectionId": str(registration.connection_id) if registration.connection_id else None,
        "events": registration.event_types,
        "webhookUrl": registrations.webhook_url(registration),
        "status": registration.status,
        "kind": registration.kind,
        "createdAt": registration.created_at,
    }
    if with_health:
        data["health"] = registration_health(registration).as_dict(registration)
    return data


def _tenant_registrations(request: Request):
    return WebhookRegistration.objects.filter(tenant=request_tenant(request))


REGISTERED = inline_serializer(
    "Registered",
    {
        "registrationId": serializers.UUIDField(),
        "webhookUrl": serializers.URLField(),
        "webhookSecret": serializers.CharField(),
        "status": serializers.CharField(),
    },
)


class RegisterView(APIView):
    # Seed 001 registers with `curl -d '{...}'`, which labels the JSON as a form.
    parser_classes = (StorableJSONParser, CurlDefaultJSONParser)

    @extend_schema(
        request={"application/json": RegisterSerializer},
        responses={
            201: REGISTERED,
            **error_responses(
                {
                    400: "Invalid input; connectionId when the organization has no such one.",
                    404: "No such integration.",
                    422: "The connection or the events belong to another provider.",
                }
            ),
        },
    )
    def post(self, request: Request, integration_id: str) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            created = registrations.create_registration(
                tenant=request_tenant(request),
                integration_id=integration_id,
                connection_id=data["connectionId"],
                events=data["events"],
                secret=data.get("secret"),
                config=data.get("config"),
            )
        except registrations.UnknownIntegration as exc:
            raise NotFound(str(exc)) from exc
        except registrations.WrongProvider as exc:
            raise Unprocessable(f"{exc.field}: {exc}", code="wrong_provider") from exc
        except ConnectorError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        body = {
            "registrationId": str(created.registration.id),
            "webhookUrl": registrations.webhook_url(created.registration),
            "webhookSecret": created.secret,
            "status": created.registration.status,
        }
        return Response(body, status=status.HTTP_201_CREATED)


HEALTH = inline_serializer(
    "RegistrationHealth",
    {
        "registrationId": serializers.UUIDField(),
        "integrationId": serializers.CharField(),
        "status": serializers.ChoiceField(choices=["healthy", "degraded", "failed"]),
        "failureCount": serializers.IntegerField(),
        "lastEventAt": serializers.DateTimeField(allow_null=True),
        "received": serializers.IntegerField(),
        "processed": serializers.IntegerField(),
        "failedEvents": serializers.IntegerField(),
        "signatureFailures": serializers.IntegerField(),
        "lastSignatureFailureAt": serializers.DateTimeField(allow_null=True),
        "recommendations": serializers.ListField(child=serializers.CharField()),
    },
)
REGISTRATION = inline_serializer(
    "Registration",
    {
        "registrationId": serializers.UUIDField(),
        "integrationId": serializers.CharField(),
        "connectionId": serializers.UUIDField(allow_null=True),
        "events": serializers.ListField(child=serializers.CharField()),
        "webhookUrl": serializers.URLField(),
        "status": serializers.CharField(),
        "kind": serializers.CharField(),
        "createdAt": serializers.DateTimeField(),
        "health": HEALTH,
    },
    many=True,
)
SERVICE_HEALTH = inline_serializer(
    "InboundServiceHealth",
    {
        "status": serializers.ChoiceField(choices=["healthy", "degraded", "failed"]),
        "registrations": serializers.IntegerField(),
        "healthy": serializers.IntegerField(),
        "degraded": serializers.IntegerField(),
        "failed": serializers.IntegerField(),
        "pendingEvents": serializers.IntegerField(),
    },
)


class RegistrationListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("integrationId", str),
            OpenApiParameter("status", str, description="unhealthy: only those not healthy"),
        ],
        responses=REGISTRATION,
    )
    def get(self, request: Request) -> Response:
        rows = _tenant_registrations(request)
        if request.query_params.get("integrationId"):
            rows = rows.filter(provider=request.query_params["integrationId"])
        items = [registration_data(r, with_health=True) for r in rows[:500]]
        if request.query_params.get("status") == "unhealthy":
            items = [i for i in items if i["health"]["status"] != "healthy"]
        return Response(items)


class RegistrationDetailView(APIView):
    def get(self, request: Request, registration_id) -> Response:
        registration = get_object_or_404(_tenant_registrations(request), pk=registration_id)
        return Response(registration_data(registration, with_health=True))

    def delete(self, request: Request, registration_id) -> Response:
        registration = get_object_or_404(_tenant_registrations(request), pk=registration_id)
        registrations.delete_registration(registration=registration)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegistrationHealthView(APIView):
    @extend_schema(responses=HEALTH)
    def get(self, request: Request, registration_id) -> Response:
        registration = get_object_or_404(_tenant_registrations(request), pk=registration_id)
        return Response(registration_health(registration).as_dict(registration))


class ServiceHealthView(APIView):
    """The inbound service for this tenant: registrations by health, and the backlog."""

    @extend_schema(responses=SERVICE_HEALTH)
    def get(self, request: Request) -> Response:
        rows = list(_tenant_registrations(request))
        by_status = {"healthy": 0, "degraded": 0, "failed": 0}
        for registration in rows:
            by_status[registration_health(registration).status] += 1
        pending = InboundEvent.objects.filter(
            tenant=request_tenant(request), status="pending"
        ).count()
        overall = (
            "failed" if by_status["failed"] else "degraded" if by_status["degraded"] else "healthy"
        )
        return Response(
            {"status": overall, "registrations": len(rows), **by_status, "pendingEvents": pending}
        )
