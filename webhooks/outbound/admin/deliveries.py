"""Events, deliveries and dead letters in the admin: read-only views of what the outbox wrote,
with a bulk replay that starts a background job (``webhooks.outbound.replay``)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from core.admin_tools import ReadOnly, pretty_json
from core.jobs.admin import announce, requester
from webhooks.outbound import event_types, replay
from webhooks.outbound.models import (
    DeadLetter,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
)

PROBLEM_STATUSES = [DeliveryStatus.DEAD, DeliveryStatus.FAILED]


class EventTypeFilter(admin.SimpleListFilter):
    """The declared event types (publishing any other is refused), without a query."""

    title = "event type"
    parameter_name = "event_type"
    lookup = "event__event_type"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(declared.name, declared.name) for declared in event_types.declared()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{self.lookup: self.value()}) if self.value() else queryset


class OwnEventTypeFilter(EventTypeFilter):
    lookup = "event_type"


class ProblemStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(status.value, status.label) for status in PROBLEM_STATUSES]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(status=self.value()) if self.value() else queryset


class DeliveryInline(ReadOnly, admin.TabularInline):
    model = Delivery
    fields = ["subscription", "status", "attempts", "last_status_code", "next_attempt_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).select_related("subscription")


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["event_type", "tenant", "created_at", "delivery_count"]
    list_filter = ["tenant", OwnEventTypeFilter]
    list_select_related = ["tenant"]
    search_fields = ["=id", "idempotency_key"]
    date_hierarchy = "created_at"
    fields = ["id", "tenant", "event_type", "idempotency_key", "created_at", "payload_json"]
    readonly_fields = fields
    inlines = [DeliveryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return super().get_queryset(request).annotate(delivery_count=Count("deliveries"))

    @admin.display(description="deliveries", ordering="delivery_count")
    def delivery_count(self, event: Event) -> int:
        return event.delivery_count

    @admin.display(description="payload")
    def payload_json(self, event: Event) -> str:
        return pretty_json(event.payload)


class AttemptInline(ReadOnly, admin.TabularInline):
    model = DeliveryAttempt
    fields = [
        "number",
        "response_status",
        "duration_ms",
        "error",
        "created_at",
        "response_excerpt",
        "headers_json",
    ]
    readonly_fields = fields
    extra = 0

    @admin.display(description="response body")
    def response_excerpt(self, attempt: DeliveryAttempt) -> str:
        return Truncator(attempt.response_body).chars(300)

    @admin.display(description="request headers")
    def headers_json(self, attempt: DeliveryAttempt) -> str:
        return pretty_json(attempt.request_headers)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "subscription_url",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "tenant", "subscription", EventTypeFilter]
    list_select_related = ["event", "subscription"]
    search_fields = ["=id", "=event__id", "subscription__url"]
    date_hierarchy = "created_at"
    fields = [
        "id",
        "tenant",
        "event",
        "subscription",
        "status",
        "attempts",
        "total_attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "succeeded_at",
        "dead_at",
        "enqueued_at",
        "lease_expires_at",
        "created_at",
        "updated_at",
        "payload_json",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["replay"]

    @admin.display(description="event type", ordering="event__event_type")
    def event_type(self, delivery: Delivery) -> str:
        return delivery.event.event_type

    @admin.display(description="subscription", ordering="subscription__url")
    def subscription_url(self, delivery: Delivery) -> str:
        return delivery.subscription.url

    @admin.display(description="payload")
    def payload_json(self, delivery: Delivery) -> str:
        return pretty_json(delivery.event.payload)

    @admin.action(description="Replay selected deliveries", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        job = replay.start_replay_of(deliveries=queryset, requested_by=requester(request))
        announce(
            self,
            request,
            job,
            f"Replaying the failed and dead ones among {job.total} selected deliveries",
        )

    def has_replay_permission(self, request: HttpRequest) -> bool:
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")


@admin.register(DeadLetter)
class DeadLetterAdmin(DeliveryAdmin):
    """Problem deliveries: dead letters and failed ones waiting for their next retry.

    Ticking "select all" replays every row matching the current filters, across pages."""

    list_display = [
        "id",
        "event_type",
        "subscription_url",
        "status",
        "total_attempts",
        "last_status_code",
        "last_error",
        "dead_at",
        "created_at",
    ]
    list_filter = [
        ProblemStatusFilter,
        "subscription",
        EventTypeFilter,
        ("dead_at", admin.DateFieldListFilter),
        "tenant",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).filter(status__in=PROBLEM_STATUSES)
