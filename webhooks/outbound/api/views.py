from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.schema import ErrorSerializer
from tenants.scoping import TenantScopedMixin
from webhooks.outbound import publishing, subscriptions
from webhooks.outbound.api.errors import as_api_error
from webhooks.outbound.api.serializers import (
    EventCreateSerializer,
    EventSerializer,
    RotateSecretSerializer,
    SubscriptionSerializer,
    SubscriptionUpdateSerializer,
    SubscriptionWithSecretSerializer,
    SubscriptionWriteSerializer,
)
from webhooks.outbound.errors import OutboundError
from webhooks.outbound.models import Event, Subscription


def _with_secret(result: subscriptions.SubscriptionWithSecret) -> dict:
    return {**SubscriptionSerializer(result.subscription).data, "secret": result.secret}


class SubscriptionViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Webhook subscriptions. The secret is returned only by create and rotate-secret."""

    queryset = Subscription.objects.all()
    serializer_class = SubscriptionSerializer
    http_method_names = ["get", "post", "patch", "delete"]

    @extend_schema(
        request=SubscriptionWriteSerializer,
        responses={201: SubscriptionWithSecretSerializer},
    )
    def create(self, request: Request) -> Response:
        data = _valid(SubscriptionWriteSerializer, request.data)
        try:
            result = subscriptions.create_subscription(
                tenant=self.tenant, url=data.pop("url"), event_types=data.pop("events"), **data
            )
        except OutboundError as exc:
            raise as_api_error(exc) from exc
        return Response(_with_secret(result), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SubscriptionUpdateSerializer,
        responses=SubscriptionSerializer,
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        changes = _valid(SubscriptionUpdateSerializer, request.data, partial=True)
        if "events" in changes:
            changes["event_types"] = changes.pop("events")
        try:
            subscription = subscriptions.update_subscription(
                subscription=self.get_object(),
                changes=changes,
                reason=subscriptions.API_REASON,
            )
        except OutboundError as exc:
            raise as_api_error(exc) from exc
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(request=RotateSecretSerializer, responses=SubscriptionWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk=None) -> Response:
        data = _valid(RotateSecretSerializer, request.data)
        result = subscriptions.rotate_secret(
            subscription=self.get_object(),
            new_secret=data.get("secret"),
            grace_seconds=data.get("grace_seconds"),
        )
        return Response(_with_secret(result))

    @extend_schema(request=None, responses={202: EventSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk=None) -> Response:
        try:
            published = subscriptions.send_test_event(subscription=self.get_object())
        except OutboundError as exc:
            raise as_api_error(exc) from exc
        return Response(EventSerializer(published.event).data, status=status.HTTP_202_ACCEPTED)


class EventViewSet(
    TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Publish events to subscribers; read them back with their deliveries."""

    queryset = Event.objects.prefetch_related("deliveries")
    serializer_class = EventSerializer

    @extend_schema(
        request=EventCreateSerializer,
        responses={202: EventSerializer, 413: OpenApiResponse(description="Payload too large")},
    )
    def create(self, request: Request) -> Response:
        data = _valid(EventCreateSerializer, request.data)
        try:
            published = publishing.publish(
                self.tenant, data["event_type"], data["payload"], data.get("idempotency_key")
            )
        except OutboundError as exc:
            raise as_api_error(exc) from exc
        event = Event.objects.prefetch_related("deliveries").get(pk=published.event.pk)
        return Response(EventSerializer(event).data, status=status.HTTP_202_ACCEPTED)


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def tenant_object(queryset, tenant, **lookup):
    """One of the tenant's rows, or 404 (another tenant's id included)."""
    return get_object_or_404(queryset.filter(tenant=tenant), **lookup)
