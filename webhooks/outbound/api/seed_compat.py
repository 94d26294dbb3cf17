"""Seed 004's webhook endpoints, with its response shapes: ``{success, ...}`` or
``{success: false, error, details}``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.seed import SeedResponseMixin
from core.jobs.api.serializers import JobSerializer
from core.jobs.api.views import job_accepted
from tenants.scoping import request_tenant
from webhooks.outbound import publishing, replay, selectors
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
        description=(
            "Seed 004's retry, run in the background: `success` and `retriedCount` (the failed "
            "and dead deliveries there are now) as the seed documents them, with the job "
            "(`Location` is `/api/v1/jobs/{id}`)."
        ),
        request=None,
        responses={
            202: inline_serializer(
                "RetryResponse",
                {
                    "success": serializers.BooleanField(),
                    "retriedCount": serializers.IntegerField(),
                    "jobId": serializers.UUIDField(),
                    "job": JobSerializer(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        tenant = request_tenant(request)
        count = selectors.problem_deliveries(tenant=tenant, statuses=replay.REPLAYABLE).count()
        job = replay.start_retry_failed(tenant=tenant, requested_by=str(request.user))
        body = {
            "success": True,
            "retriedCount": count,
            "jobId": str(job.pk),
            "job": JobSerializer(job).data,
        }
        return job_accepted(request, job, body=body)
