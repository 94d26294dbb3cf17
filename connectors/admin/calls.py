"""Connector calls in the admin: read-only rows the call runner writes, with a bulk replay of
failed ones as a background job (``connectors.calls.replay``)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.db.models import QuerySet
from django.http import HttpRequest

from connectors.admin.filters import CapabilityFilter, ConnectorFilter
from connectors.calls.replay import start_replay_of
from connectors.models import ConnectorCall
from core.admin_tools import ReadOnly, pretty_json
from core.jobs.admin import announce, requester


@admin.register(ConnectorCall)
class ConnectorCallAdmin(ReadOnly, admin.ModelAdmin):
    """Ticking "select all" replays every failed call matching the filters, across pages."""

    list_display = [
        "key",
        "connector",
        "capability_id",
        "status",
        "attempts",
        "retries",
        "tenant",
        "created_at",
        "finished_at",
    ]
    list_filter = [
        "status",
        ConnectorFilter,
        CapabilityFilter,
        "tenant",
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["tenant"]
    search_fields = ["key", "=id"]
    fields = [
        "id",
        "tenant",
        "connection",
        "connector",
        "capability_id",
        "key",
        "request_hash",
        "status",
        "attempts",
        "retries",
        "error",
        "next_attempt_at",
        "enqueued_at",
        "lease_expires_at",
        "finished_at",
        "created_at",
        "updated_at",
        "payload_json",
        "response_json",
    ]
    readonly_fields = fields
    actions = ["replay"]

    @admin.display(description="payload")
    def payload_json(self, call: ConnectorCall) -> str:
        return pretty_json(call.payload)

    @admin.display(description="response")
    def response_json(self, call: ConnectorCall) -> str:
        return pretty_json(call.response)

    @admin.action(description="Replay selected failed calls", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[ConnectorCall]) -> None:
        job = start_replay_of(calls=queryset, requested_by=requester(request))
        announce(self, request, job, f"Replaying the failed ones among {job.total} selected calls")

    def has_replay_permission(self, request: HttpRequest) -> bool:
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")
