from rest_framework.permissions import BasePermission

from tenants.authentication import TenantPrincipal


class HasTenantApiKey(BasePermission):
    """Allows requests authenticated by a tenant's API key (the default for every API view)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, TenantPrincipal)
