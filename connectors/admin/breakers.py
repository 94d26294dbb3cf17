"""The circuit breakers in the admin, one per connection (so per tenant): each one's state from
the shared cache, and a Reset button (a POST, CSRF-protected, for staff with the reset
permission) that closes that connection's breaker and forgets its window through
``connectors.breaker.reset``, leaving every other connection's alone."""

from __future__ import annotations

from datetime import datetime

import structlog
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from connectors import breaker
from connectors.admin.pages import TablelessAdmin
from connectors.models import Connection

log = structlog.get_logger(__name__)
PER_PAGE = 100


class Breaker(models.Model):
    """No table: the rows are ``connectors.breaker.snapshots`` of every connection."""

    connector = models.CharField(max_length=40, primary_key=True)

    class Meta:
        managed = False
        app_label = "connectors"
        verbose_name = "circuit breaker"
        default_permissions = ("view",)
        permissions = [("reset_breaker", "Can reset a circuit breaker")]

    def __str__(self) -> str:
        return self.connector


@admin.register(Breaker)
class BreakerAdmin(TablelessAdmin):
    def get_urls(self):
        return [
            self.page("", self.changelist_view, "changelist"),
            self.page("<uuid:connection_id>/reset/", self.reset_view, "reset", post=True),
        ]

    def has_reset_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.reset_breaker")

    def changelist_view(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        connections = list(
            Connection.objects.select_related("tenant")
            .only("name", "connector", "tenant__name", "tenant__slug")  # no secrets to decrypt
            .order_by("tenant__name", "connector", "name")
        )
        # States alone for every connection (cheap), so the ones failing fast come first on
        # page 1 however many connections there are; counts only for the page shown.
        states = breaker.snapshots([str(c.id) for c in connections], counts=False)
        connections.sort(key=lambda c: -breaker.STATE_GAUGE[states[str(c.id)].state])
        page = Paginator(connections, PER_PAGE).get_page(request.GET.get("p"))
        snapshots = breaker.snapshots([str(c.id) for c in page])
        rows = []
        for connection in page:
            snapshot = snapshots[str(connection.id)]
            rows.append(
                {
                    "connection": connection,
                    "snapshot": snapshot,
                    "failure_percent": round(snapshot.failure_rate * 100),
                    "open_until": _when(snapshot.open_until) if snapshot.open_until else None,
                }
            )
        return self.render(
            request,
            "admin/connectors/breakers.html",
            title="Circuit breakers",
            rows=rows,
            page=page,
            not_closed=sum(s.state is not breaker.State.CLOSED for s in states.values()),
            can_reset=self.has_reset_permission(request),
            window_seconds=settings.CONNECTOR_BREAKER_WINDOW_SECONDS,
            min_calls=settings.CONNECTOR_BREAKER_MIN_CALLS,
            failure_percent=round(settings.CONNECTOR_BREAKER_FAILURE_RATE * 100),
            cooldown_seconds=settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS,
            probes=settings.CONNECTOR_BREAKER_HALF_OPEN_PROBES,
        )

    def reset_view(self, request: HttpRequest, connection_id) -> HttpResponse:
        if not self.has_reset_permission(request):
            raise PermissionDenied
        connection = get_object_or_404(
            Connection.objects.select_related("tenant"), pk=connection_id
        )
        was = breaker.snapshot(str(connection.id)).state
        breaker.reset(str(connection.id))
        log.info(
            "circuit breaker reset",
            connector=connection.connector,
            connection_id=str(connection.id),
            tenant_id=str(connection.tenant_id),
            was=was.value,
            user=request.user.pk,
        )
        messages.success(
            request,
            f"Reset the circuit breaker of {connection.tenant}'s connection {connection.name} "
            f"({connection.connector}; it was {was.value}).",
        )
        return redirect(reverse(f"admin:{self.url_name('changelist')}"))


def _when(epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.get_current_timezone())
