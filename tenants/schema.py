"""Teaches drf-spectacular how API keys authenticate, so the OpenAPI document says so."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.ApiKeyAuthentication"
    name = "ApiKeyBearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A tenant API key: `Authorization: Bearer sb_...`. An optional "
            "`X-Organization-Id` header must name the key's tenant (id or slug), else 403.",
        }
