"""Any Standard Webhooks sender (Svix, Resend, ...): webhook-id/timestamp/signature."""

from connectors.providers.base import AuthType, ConnectorDefinition, Field

DEFINITION = ConnectorDefinition(
    code="standard",
    name="Standard Webhooks",
    description="Receive webhooks from any sender following the Standard Webhooks spec.",
    auth_type=AuthType.HMAC_SECRET,
    credential_fields=(Field("secret", "The endpoint's signing secret (whsec_...)"),),
)
