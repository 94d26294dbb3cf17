"""Bearer API-key authentication for the REST API.

``Authorization: Bearer <key>`` names the tenant. An ``X-Organization-Id`` header, when sent
(seed 002's clients always send it), must name that same tenant by id or slug, else 403.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from tenants import selectors, services
from tenants.models import ApiKey, Tenant

ORGANIZATION_HEADER = "X-Organization-Id"


class OrganizationMismatch(exceptions.PermissionDenied):
    default_detail = f"{ORGANIZATION_HEADER} does not name this API key's organization."
    default_code = "organization_mismatch"


@dataclass(frozen=True)
class TenantPrincipal:
    """The caller behind an API key: what ``request.user`` is for API requests."""

    tenant: Tenant
    api_key: ApiKey
    is_authenticated: bool = True
    is_staff: bool = False

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[TenantPrincipal, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <key>'.")
        try:
            raw_key = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("API key contains invalid characters.") from exc
        api_key = selectors.active_api_key(raw_key=raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        _check_organization_header(request, api_key.tenant)
        services.touch_api_key(api_key=api_key)
        structlog.contextvars.bind_contextvars(tenant_id=str(api_key.tenant_id))
        return TenantPrincipal(tenant=api_key.tenant, api_key=api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def _check_organization_header(request: Request, tenant: Tenant) -> None:
    claimed = request.headers.get(ORGANIZATION_HEADER)
    if claimed is None:
        return
    if claimed.strip() not in {str(tenant.id), tenant.slug}:
        raise OrganizationMismatch()
