"""The connectors' circuit breakers in the admin: each one's state from the shared cache, and a
Reset button (a POST, CSRF-protected, for staff with the reset permission) that closes it and
forgets its window through ``connectors.breaker.reset``."""

from __future__ import annotations

from datetime import datetime

import structlog
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from connectors import breaker
from connectors.admin.pages import TablelessAdmin
from connectors.providers import all_definitions, get_definition

log = structlog.get_logger(__name__)


class Breaker(models.Model):
    """No table: the rows are ``connectors.breaker.snapshot(code)`` of every connector."""

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
            self.page("<str:code>/reset/", self.reset_view, "reset", post=True),
        ]

    def has_reset_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.reset_breaker")

    def changelist_view(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        rows = []
        for definition in all_definitions():
            snapshot = breaker.snapshot(definition.code)
            until = snapshot.open_until
            rows.append(
                {
                    "definition": definition,
                    "snapshot": snapshot,
                    "failure_percent": round(snapshot.failure_rate * 100),
                    "open_until": _when(until) if until is not None else None,
                }
            )
        return self.render(
            request,
            "admin/connectors/breakers.html",
            title="Circuit breakers",
            rows=rows,
            can_reset=self.has_reset_permission(request),
            window_seconds=settings.CONNECTOR_BREAKER_WINDOW_SECONDS,
            min_calls=settings.CONNECTOR_BREAKER_MIN_CALLS,
            failure_percent=round(settings.CONNECTOR_BREAKER_FAILURE_RATE * 100),
            cooldown_seconds=settings.CONNECTOR_BREAKER_COOLDOWN_SECONDS,
            probes=settings.CONNECTOR_BREAKER_HALF_OPEN_PROBES,
        )

    def reset_view(self, request: HttpRequest, code: str) -> HttpResponse:
        if not self.has_reset_permission(request):
            raise PermissionDenied
        definition = get_definition(code)
        if definition is None:
            raise Http404(f"unknown connector {code!r}")
        was = breaker.snapshot(definition.code).state
        breaker.reset(definition.code)
        log.info(
            "circuit breaker reset", connector=definition.code, was=was.value, user=request.user.pk
        )
        messages.success(
            request, f"Reset the circuit breaker of {definition.name} (it was {was.value})."
        )
        return redirect(reverse(f"admin:{self.url_name('changelist')}"))


def _when(epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.get_current_timezone())
