"""Changelist filters whose choices come from the catalog (code), not from a query."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from connectors.providers import all_definitions


class CatalogFilter(admin.SimpleListFilter):
    field = ""

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class ConnectorFilter(CatalogFilter):
    title = "connector"
    parameter_name = field = "connector"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(d.code, d.name) for d in all_definitions()]


class CapabilityFilter(CatalogFilter):
    title = "capability"
    parameter_name = field = "capability_id"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        ids = {c.id for d in all_definitions() for c in d.capabilities}
        return [(capability, capability) for capability in sorted(ids)]
