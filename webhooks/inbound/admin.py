"""The inbound webhooks admin: registrations (health, URL, secret rotation) and the events
providers sent (raw body, filters, reprocess). Actions call the inbound services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html

from core.admin_tools import ReadOnly, pretty_json
from core.jobs.admin import announce, requester
from webhooks.inbound import registrations, reprocessing
from webhooks.inbound.health import registration_health
from webhooks.inbound.models import InboundEvent, WebhookRegistration


@admin.register(WebhookRegistration)
class WebhookRegistrationAdmin(admin.ModelAdmin):
    list_display = ["id", "provider", "tenant", "kind", "status", "health", "created_at"]
    list_filter = ["provider", "status", "kind", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["id", "provider"]
    fields = [
        "id", "tenant", "provider", "kind", "connection", "event_types", "status", "webhook_url",
        "health_report", "signature_failures", "last_signature_failure_at",
        "last_signature_failure", "processing_failures", "last_processing_failure_at",
        "created_at",
    ]  # fmt: skip
    readonly_fields = [
        "id", "tenant", "provider", "kind", "connection", "status", "webhook_url",
        "health_report", "signature_failures", "last_signature_failure_at",
        "last_signature_failure", "processing_failures", "last_processing_failure_at",
        "created_at",
    ]  # fmt: skip
    actions = ["rotate_secret", "enable", "disable"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registering goes through the API, which checks the connection

    @admin.display(description="health")
    def health(self, registration: WebhookRegistration) -> str:
        return registration_health(registration).status

    @admin.display(description="webhook URL")
    def webhook_url(self, registration: WebhookRegistration) -> str:
        return registrations.webhook_url(registration)

    @admin.display(description="health report")
    def health_report(self, registration: WebhookRegistration) -> str:
        return pretty_json(registration_health(registration).as_dict(registration))

    @admin.action(description="Rotate the secret (shown once)")
    def rotate_secret(self, request: HttpRequest, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Rotate one registration at a time.", messages.ERROR)
            return
        registration = queryset.get()
        try:
            secret = registrations.rotate_secret(registration=registration)
        except registrations.RegistrationError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            format_html(
                "New secret for {} (shown only now; set it at the provider): <code>{}</code>. {}",
                registration.id,
                secret,
                _grace_note(),
            ),
            messages.WARNING,
        )

    @admin.action(description="Enable")
    def enable(self, request: HttpRequest, queryset) -> None:
        for registration in queryset:
            registrations.set_status(registration=registration, status="active")

    @admin.action(description="Disable")
    def disable(self, request: HttpRequest, queryset) -> None:
        for registration in queryset:
            registrations.set_status(registration=registration, status="disabled")


def _grace_note() -> str:
    hours = settings.INBOUND_SECRET_GRACE_SECONDS / 3600
    return f"The old one keeps verifying for {hours:g} hours." if hours else ""


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_type", "status", "object_id", "tenant"]
    list_filter = ["provider", "status", "event_type", "tenant"]
    list_select_related = ["tenant"]
    date_hierarchy = "received_at"
    search_fields = ["=id", "dedupe_key", "object_id"]
    fields = [
        "id", "tenant", "registration", "provider", "event_type", "dedupe_key", "object_type",
        "object_id", "occurred_at", "received_at", "status", "attempts", "error", "processed_at",
        "headers_json", "payload_json", "raw_body_text",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["reprocess"]

    @admin.display(description="headers")
    def headers_json(self, event: InboundEvent) -> str:
        return pretty_json(event.headers)

    @admin.display(description="payload")
    def payload_json(self, event: InboundEvent) -> str:
        return pretty_json(event.payload)

    @admin.display(description="raw body")
    def raw_body_text(self, event: InboundEvent) -> str:
        return format_html("<pre>{}</pre>", event.body_text)

    @admin.action(description="Reprocess selected events")
    def reprocess(self, request: HttpRequest, queryset) -> None:
        job = reprocessing.start_reprocessing(events=queryset, requested_by=requester(request))
        announce(self, request, job, f"Reprocessing {job.total} selected event(s)")
