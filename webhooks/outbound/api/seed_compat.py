"""Seed 004's webhook endpoints, with its response shapes: ``{success, ...}`` or
``{success: false, error, details}``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.seed import SeedResponseMixin
from tenants.scoping import request_tenant
from webhooks.outbound import publishing, replay
from webhooks.outbound.api.errors import as_api_error
from webhooks.outbound.api.serializers import NotifySerializer
from webhooks.outbound.errors import OutboundError


class NotifyView(SeedResponseMixin, APIView):
    @extend_schema(
        request=NotifySerializer,
        responses=inline_serializer(
            "NotifyResponse",
            {"success": serializers.BooleanField(), "deliveryIds": serializers.ListField()},
        ),
    )
    def post(self, request: Request) -> Response:
        serializer = NotifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            published = publishing.publish(
                request_tenant(request),
                serializer.validated_data["event"],
                serializer.validated_data["data"],
            )
        except OutboundError as exc:
            raise as_api_error(exc) from exc
        delivery_ids = [str(delivery.id) for delivery in published.deliveries]
        return Response({"success": True, "deliveryIds": delivery_ids}, status=status.HTTP_200_OK)


class RetryView(SeedResponseMixin, APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer(
            "RetryResponse",
            {"success": serializers.BooleanField(), "retriedCount": serializers.IntegerField()},
        ),
    )
    def post(self, request: Request) -> Response:
        count = replay.retry_failed(tenant=request_tenant(request))
        return Response({"success": True, "retriedCount": count})
