"""Connections in the admin: add and change through ``connectors.connections`` (credentials are
write-only: the change page names the ones set, never their values), test, enable and disable."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from connectors import connections, selectors, testing
from connectors.admin.filters import ConnectorFilter
from connectors.admin.forms import ConnectionAddForm, ConnectionChangeForm
from connectors.models import Connection, ConnectionStatus
from connectors.providers import get_definition

# Each test makes one request with a short timeout, inside the admin's request.
MAX_TESTED = 20


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["name", "connector", "tenant", "status", "base_url", "created_at"]
    list_filter = [ConnectorFilter, "status", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["name"]
    actions = ["test_connections", "enable", "disable"]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        kwargs["form"] = ConnectionChangeForm if obj else ConnectionAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            fields = ["tenant", "connector", "name", "base_url", "config", "credentials"]
            return [(None, {"fields": fields})]
        return [
            (None, {"fields": ["id", "tenant", "connector", "name", "status", "base_url"]}),
            ("Configuration", {"fields": ["config"]}),
            ("Credentials", {"fields": ["credentials_set", "replace_credentials"]}),
            (None, {"fields": ["created_at", "updated_at"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return []
        return ["id", "tenant", "connector", "credentials_set", "created_at", "updated_at"]

    @admin.display(description="credentials set")
    def credentials_set(self, connection: Connection) -> str:
        """Each credential field of the connector and whether it has a value: names only."""
        definition = get_definition(connection.connector)
        names = [f.name for f in definition.credential_fields] if definition else []
        names += sorted(set(connection.credentials) - set(names))
        return format_html_join(
            ", ",
            "{}: {}",
            ((name, "set" if connection.credentials.get(name) else "not set") for name in names),
        )

    def save_model(self, request: HttpRequest, obj: Connection, form, change: bool) -> None:
        if change:
            if form.changes:
                connections.update_connection(connection=obj, changes=dict(form.changes))
            return
        data = form.cleaned_data
        created = connections.create_connection(
            tenant=data["tenant"],
            connector=data["connector"],
            name=data["name"],
            config=data["config"],
            credentials=data["credentials"],
            base_url=data["base_url"],
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    @admin.action(description="Test selected connections", permissions=["change"])
    def test_connections(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        selected = list(queryset[: MAX_TESTED + 1])
        if len(selected) > MAX_TESTED:
            self.message_user(
                request, f"Select at most {MAX_TESTED} connections to test.", messages.ERROR
            )
            return
        for connection in selected:
            check = testing.check_connection(connection=connection)
            level = messages.SUCCESS if check.ok else messages.ERROR
            self.message_user(request, f"{connection}: {check.detail}", level)

    @admin.action(description="Enable selected connections", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        self._set_status(request, queryset, ConnectionStatus.ACTIVE)

    @admin.action(description="Disable selected connections", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        self._set_status(request, queryset, ConnectionStatus.DISABLED)

    def _set_status(self, request: HttpRequest, queryset, status: ConnectionStatus) -> None:
        failed = 0
        for connection in queryset:
            if status != ConnectionStatus.ACTIVE and connection.status == ConnectionStatus.ACTIVE:
                failed += selectors.waiting_calls(connection=connection)
            connections.set_status(connection=connection, status=status)
        verb = "Enabled" if status == ConnectionStatus.ACTIVE else "Disabled"
        message = f"{verb} {len(queryset)} connection(s)"
        if failed:
            message += f"; {failed} waiting call(s) failed unsent (replay them once re-enabled)"
        self.message_user(request, message + ".")
