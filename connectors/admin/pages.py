"""Admin pages for what lives in code or in the cache, not in a table: the catalog (the provider
modules' definitions) and the circuit breakers (state in Redis).

Each is an unmanaged model (``managed = False``, no table) so that it has its place in the admin
index and sidebar, its URL names and its permissions; its ModelAdmin replaces the usual views
with pages rendered from code. Nothing is added, changed or deleted through the usual views.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from core.admin_tools import ReadOnly


class TablelessAdmin(ReadOnly, admin.ModelAdmin):
    def url_name(self, page: str) -> str:
        """``<app>_<model>_<page>``, as the admin names its own views (``changelist``...)."""
        return f"{self.opts.app_label}_{self.opts.model_name}_{page}"

    def page(self, route: str, view, name: str, *, post: bool = False) -> URLPattern:
        """A staff-only URL (the admin's login, CSRF and cache rules) answering GET, or POST."""
        method = require_POST if post else require_GET
        return path(route, self.admin_site.admin_view(method(view)), name=self.url_name(name))

    def render(
        self, request: HttpRequest, template: str, *, title: str, **context
    ) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context},
        )
