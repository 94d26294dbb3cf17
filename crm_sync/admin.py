"""The local CRM in the admin: clients (edited through the services, so edits publish events
and push), their external references and conflicts, sync settings per connection (saving
them updates the poll schedule in the beat admin), and sync runs."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin_tools import ReadOnly, UniqueRulesForm, pretty_json
from crm_sync.models import (
    Client,
    Conflict,
    ConflictStatus,
    ExternalReference,
    SyncProfile,
    SyncRun,
)
from crm_sync.services import clients, conflicts, polling, profiles, push


class ReferenceInline(ReadOnly, admin.TabularInline):
    model = ExternalReference
    fields = ["provider", "external_id", "remote_modified_at", "last_pulled_at", "last_pushed_at"]
    readonly_fields = fields
    extra = 0


class ProviderFilter(admin.SimpleListFilter):
    title = "provider"
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        found = ExternalReference.objects.values_list("provider", flat=True).distinct()
        return [(p, p) for p in sorted(found)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(references__provider=self.value()).distinct()
        return queryset


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "company", "sync_status", "last_synced_at", "tenant"]
    list_filter = ["sync_status", ProviderFilter, "tenant"]
    search_fields = ["name", "email", "company", "=id"]
    fields = ["tenant", "name", "email", "phone", "company", "extra", "sync_status"]
    fields += ["last_synced_at", "last_sync_error", "version"]
    readonly_fields = ["sync_status", "last_synced_at", "last_sync_error", "version"]
    inlines = [ReferenceInline]
    actions = ["push_now", "mark_needs_update"]
    form = UniqueRulesForm  # the email is unique per tenant, read-only once the client exists

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "tenant"] if obj else self.readonly_fields

    def save_model(self, request, obj: Client, form, change: bool) -> None:
        values = {
            name: form.cleaned_data[name] for name in clients.EDITABLE if name in form.cleaned_data
        }
        if change:
            clients.update_client(client=Client.objects.get(pk=obj.pk), changes=values)
        else:
            created = clients.create_client(tenant=form.cleaned_data["tenant"], values=values)
            obj.pk = created.pk

    def delete_model(self, request, obj: Client) -> None:
        clients.delete_client(client=obj)

    def delete_queryset(self, request, queryset: QuerySet[Client]) -> None:
        for client in queryset.select_related("tenant"):
            clients.delete_client(client=client)

    @admin.action(description="Push now (retry failed pushes)")
    def push_now(self, request: HttpRequest, queryset: QuerySet[Client]) -> None:
        for client in queryset:
            push.retry(client=client)
        self.message_user(request, f"{queryset.count()} client(s) queued for a push.")

    @admin.action(description="Mark as needing an update")
    def mark_needs_update(self, request: HttpRequest, queryset: QuerySet[Client]) -> None:
        for client in queryset:
            clients.change_sync_status(client=client, status="NEEDS_UPDATE")
        self.message_user(request, f"{queryset.count()} client(s) marked NEEDS_UPDATE.")


@admin.register(Conflict)
class ConflictAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["client", "fields", "status", "resolution", "created_at", "resolved_at"]
    list_filter = ["status", "reference__provider", "tenant"]
    search_fields = ["client__name", "client__email"]
    fields = ["client", "reference", "fields", "local_json", "remote_json", "remote_modified_at"]
    fields += ["status", "resolution", "created_at", "resolved_at"]
    readonly_fields = fields
    actions = ["keep_local", "take_remote"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("crm_sync.change_conflict")

    @admin.display(description="local values")
    def local_json(self, obj: Conflict) -> str:
        return pretty_json(obj.local_values)

    @admin.display(description="remote values")
    def remote_json(self, obj: Conflict) -> str:
        return pretty_json(obj.remote_values)

    @admin.action(description="Resolve: keep the local values (pushed to the provider)")
    def keep_local(self, request: HttpRequest, queryset: QuerySet[Conflict]) -> None:
        self._resolve(request, queryset, "local")

    @admin.action(description="Resolve: take the remote values")
    def take_remote(self, request: HttpRequest, queryset: QuerySet[Conflict]) -> None:
        self._resolve(request, queryset, "remote")

    def _resolve(self, request: HttpRequest, queryset: QuerySet[Conflict], keep: str) -> None:
        open_ones = list(queryset.filter(status=ConflictStatus.OPEN))
        for conflict in open_ones:
            conflicts.resolve(conflict=conflict, keep=keep)
        self.message_user(request, f"{len(open_ones)} conflict(s) resolved ({keep}).")


@admin.register(ExternalReference)
class ExternalReferenceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["external_id", "provider", "client", "connection", "last_pulled_at"]
    list_filter = ["provider", "tenant"]
    search_fields = ["external_id", "client__email"]
    list_select_related = ["client", "connection"]


@admin.register(SyncProfile)
class SyncProfileAdmin(admin.ModelAdmin):
    list_display = ["connection", "polling_enabled", "poll_interval_seconds", "conflict_rule"]
    list_display += ["push_enabled", "last_polled_at", "periodic_task"]
    list_filter = ["polling_enabled", "conflict_rule", "tenant"]
    fields = ["connection", "polling_enabled", "poll_interval_seconds", "page_size"]
    fields += ["conflict_rule", "field_owners", "push_enabled", "cursor_json", "periodic_task"]
    fields += ["last_polled_at"]
    readonly_fields = ["connection", "cursor_json", "periodic_task", "last_polled_at"]
    actions = ["poll_now", "reset_cursor"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # created with each CRM connection

    @admin.display(description="cursor")
    def cursor_json(self, obj: SyncProfile) -> str:
        return pretty_json(obj.cursor)

    def save_model(self, request, obj: SyncProfile, form, change: bool) -> None:
        try:
            profiles.validate(obj)
        except profiles.InvalidSyncSettings as exc:
            self.message_user(request, f"{exc.field}: {exc}", level=messages.ERROR)
            return
        super().save_model(request, obj, form, change)
        profiles.sync_schedule(profile=obj)

    @admin.action(description="Poll now")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[SyncProfile]) -> None:
        for profile in queryset.select_related("connection"):
            polling.poll_connection_now(connection=profile.connection)
        self.message_user(request, f"{queryset.count()} poll(s) queued; see Sync runs.")

    @admin.action(description="Reset the cursor (next poll is a full backfill)")
    def reset_cursor(self, request: HttpRequest, queryset: QuerySet[SyncProfile]) -> None:
        for profile in queryset.select_related("connection"):
            polling.reset_cursor(connection=profile.connection)
        self.message_user(request, f"{queryset.count()} cursor(s) reset.")


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "connection", "trigger", "status", "pages", "created", "updated"]
    list_display += ["unchanged", "conflicts", "failed"]
    list_filter = ["status", "trigger", "connection__connector", "tenant"]
    list_select_related = ["connection"]
    readonly_fields = ["cursor_before", "cursor_after"]
