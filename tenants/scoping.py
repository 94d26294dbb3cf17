"""Tenant scoping for API views. Every tenant-owned API view uses these, so a query can't
reach another tenant's rows: another tenant's id simply isn't in the queryset (404)."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from tenants.authentication import TenantPrincipal
from tenants.models import Tenant


def request_tenant(request: Request) -> Tenant:
    """The tenant of the API key that authenticated ``request``."""
    principal = request.user
    if not isinstance(principal, TenantPrincipal):
        raise NotAuthenticated()
    return principal.tenant


def scoped(queryset: QuerySet, tenant: Tenant) -> QuerySet:
    """Restrict a queryset of tenant-owned rows (with a ``tenant`` foreign key) to one tenant."""
    return queryset.filter(tenant=tenant)


class TenantScopedMixin:
    """For DRF generic views and viewsets whose model has a ``tenant`` foreign key.

    ``get_queryset`` is limited to the caller's tenant, and ``tenant`` is available to
    ``perform_create`` and serializers (through the context) for new rows.
    """

    request: Request

    @property
    def tenant(self) -> Tenant:
        return request_tenant(self.request)

    def get_queryset(self) -> QuerySet[Model]:
        return scoped(super().get_queryset(), self.tenant)  # type: ignore[misc]

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()  # type: ignore[misc]
        context["tenant"] = self.tenant
        return context
