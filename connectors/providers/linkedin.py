"""LinkedIn Marketing API: lead generation and campaign events."""

from connectors.providers.base import AuthType, ConnectorDefinition, Field

DEFINITION = ConnectorDefinition(
    code="linkedin",
    name="LinkedIn Marketing API",
    description="Lead generation forms, campaigns and engagement.",
    auth_type=AuthType.OAUTH2,
    default_base_url="https://api.linkedin.com",
    config_fields=(
        Field("scopes", "Granted scopes, e.g. r_liteprofile r_emailaddress", required=False),
    ),
    credential_fields=(
        Field("client_id", "LinkedIn app client id"),
        Field("client_secret", "LinkedIn app client secret (signs webhooks)"),
    ),
    events=("lead_generated", "campaign_updated", "post_engagement", "connection_made"),
    aliases=("linkedin-api",),
)
