"""Jobs in the admin: read-only, with their progress. The actions that start jobs live with
the rows they act on and announce each job with a link here (``announce``)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from core.admin_tools import ReadOnly, pretty_json
from core.jobs import kinds
from core.jobs.models import Job


def requester(request: HttpRequest) -> str:
    return f"admin:{request.user.get_username()}"


def announce(model_admin: admin.ModelAdmin, request: HttpRequest, job: Job, what: str) -> None:
    """Tell the operator the job is queued, with a link to follow it."""
    url = reverse("admin:core_job_change", args=[job.pk])
    model_admin.message_user(
        request,
        format_html('{} runs in the background as <a href="{}">job {}</a>.', what, url, job.pk),
    )


class KindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return kinds.choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "id", "kind_label", "status", "progress_bar", "failed", "tenant", "requested_by",
        "created_at", "finished_at",
    ]  # fmt: skip
    list_filter = [KindFilter, "status", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["=id", "requested_by"]
    date_hierarchy = "created_at"
    fields = [
        "id", "kind_label", "status", "progress_bar", "total", "done", "skipped", "failed",
        "error", "parameters_json", "tenant", "requested_by", "created_at", "started_at",
        "finished_at", "lease_expires_at",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="kind", ordering="kind")
    def kind_label(self, job: Job) -> str:
        return kinds.label(job.kind)

    @admin.display(description="progress")
    def progress_bar(self, job: Job) -> str:
        if job.total is None:
            return "picking rows"
        return format_html(
            '<progress value="{}" max="{}"></progress> {} / {}',
            job.processed,
            max(job.total, 1),
            job.processed,
            job.total,
        )

    @admin.display(description="parameters")
    def parameters_json(self, job: Job) -> str:
        return pretty_json(job.parameters)
