"""The connector catalog in the admin, read-only: every provider module's definition, and a page
per connector with its fields, capabilities and events."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse

from connectors.admin.pages import TablelessAdmin
from connectors.providers import all_definitions, get_definition


class Catalog(models.Model):
    """No table: the rows are ``connectors.providers.all_definitions()``."""

    code = models.CharField(max_length=40, primary_key=True)

    class Meta:
        managed = False
        app_label = "connectors"
        verbose_name = "catalog entry"
        verbose_name_plural = "catalog"
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.code


@admin.register(Catalog)
class CatalogAdmin(TablelessAdmin):
    def get_urls(self):
        return [
            self.page("", self.changelist_view, "changelist"),
            self.page("<str:code>/", self.detail_view, "change"),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        return self.render(
            request,
            "admin/connectors/catalog.html",
            title="Connector catalog",
            definitions=all_definitions(),
        )

    def detail_view(self, request: HttpRequest, code: str) -> TemplateResponse:
        definition = get_definition(code)
        if definition is None:
            raise Http404(f"unknown connector {code!r}")
        return self.render(
            request,
            "admin/connectors/catalog_entry.html",
            title=definition.name,
            subtitle=definition.code,
            definition=definition,
        )
