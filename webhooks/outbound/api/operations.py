"""Operator endpoints: attempts of an event, dead letters and their replay (seed 003 paths)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import ErrorSerializer, query_filter
from core.jobs.api.serializers import JobSerializer
from core.jobs.api.views import job_accepted
from tenants.scoping import request_tenant
from webhooks.outbound import replay, selectors
from webhooks.outbound.api.serializers import (
    AttemptSerializer,
    DeadLetterFilterSerializer,
    DeadLetterSerializer,
    DeliverySummarySerializer,
)
from webhooks.outbound.api.views import _valid, tenant_object
from webhooks.outbound.models import Delivery, DeliveryStatus, Event, Subscription

DATE_TIME = {"type": "string", "format": "date-time"}


class EventAttemptsView(generics.ListAPIView):
    serializer_class = AttemptSerializer
    pagination_class = None

    def get_queryset(self):
        event = tenant_object(
            Event.objects, request_tenant(self.request), pk=self.kwargs["event_id"]
        )
        return selectors.event_attempts(event=event)


@extend_schema(
    parameters=[
        OpenApiParameter("subscription", query_filter({"type": "string", "format": "uuid"})),
        OpenApiParameter("event_type", {"type": "string", "maxLength": 120}),
        OpenApiParameter("since", query_filter(DATE_TIME), description="dead at or after"),
        OpenApiParameter("until", query_filter(DATE_TIME), description="dead before"),
    ]
)
class DeadLetterListView(generics.ListAPIView):
    serializer_class = DeadLetterSerializer

    def get_queryset(self):
        filters = _valid(DeadLetterFilterSerializer, self.request.query_params)
        return selectors.dead_letters(
            tenant=request_tenant(self.request),
            subscription_id=filters.get("subscription"),
            event_type=filters.get("event_type"),
            since=filters.get("since"),
            until=filters.get("until"),
        )


class DeadLetterReplayView(APIView):
    @extend_schema(request=None, responses={202: DeliverySummarySerializer})
    def post(self, request: Request, delivery_id) -> Response:
        dead = Delivery.objects.filter(status=DeliveryStatus.DEAD)
        delivery = tenant_object(dead, request_tenant(request), pk=delivery_id)
        delivery = replay.replay_delivery(delivery=delivery)
        return Response(DeliverySummarySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeadLetterBulkReplayView(APIView):
    @extend_schema(
        description=(
            "Replays the matching dead letters in the background: answers at once with the job "
            "(`Location` is `/api/v1/jobs/{id}`, which shows its progress)."
        ),
        request=DeadLetterFilterSerializer,
        responses={
            202: OpenApiResponse(JobSerializer, description="The replay job, queued."),
            404: ErrorSerializer,  # an unknown subscription
        },
    )
    def post(self, request: Request) -> Response:
        filters = _valid(DeadLetterFilterSerializer, request.data)
        tenant = request_tenant(request)
        subscription = None
        if filters.get("subscription"):
            subscription = tenant_object(Subscription.objects, tenant, pk=filters["subscription"])
        job = replay.start_dead_letter_replay(
            tenant=tenant,
            requested_by=str(request.user),
            subscription=subscription,
            since=filters.get("since"),
            until=filters.get("until"),
        )
        return job_accepted(request, job)
