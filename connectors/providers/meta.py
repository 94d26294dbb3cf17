"""Meta Graph API: Facebook pages, Instagram and lead ads."""

from connectors.providers.base import AuthType, ConnectorDefinition, Field

DEFINITION = ConnectorDefinition(
    code="meta",
    name="Meta (Facebook) Graph API",
    description="Facebook and Instagram business accounts, pages and lead ads.",
    auth_type=AuthType.OAUTH2,
    default_base_url="https://graph.facebook.com",
    config_fields=(
        Field("scopes", "Granted scopes, e.g. pages_messaging ads_management", required=False),
    ),
    credential_fields=(
        Field("app_id", "Facebook app id"),
        Field("app_secret", "Facebook app secret (signs webhooks)"),
        Field("verify_token", "Token Meta echoes in the webhook handshake", required=False),
    ),
    events=("page_message_received", "post_published", "lead_generated", "instagram_mention"),
    aliases=("meta-graph-api",),
)
