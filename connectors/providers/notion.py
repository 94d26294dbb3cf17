"""Notion: integration webhooks (page and database changes)."""

from connectors.providers.base import AuthType, ConnectorDefinition, Field

DEFINITION = ConnectorDefinition(
    code="notion",
    name="Notion",
    description="Receive page and database change events from a Notion integration.",
    auth_type=AuthType.API_KEY,
    default_base_url="https://api.notion.com",
    credential_fields=(
        Field("api_key", "Internal integration token (secret_...)", required=False),
        Field(
            "verification_token", "Sent by Notion at subscription; signs webhooks", required=False
        ),
    ),
    events=(
        "page.created",
        "page.content_updated",
        "page.properties_updated",
        "page.deleted",
        "database.schema_updated",
        "comment.created",
    ),
)
