"""Google Cloud Pub/Sub push subscriptions, authenticated by Google-signed OIDC tokens."""

from connectors.providers.base import AuthType, ConnectorDefinition, Field

DEFINITION = ConnectorDefinition(
    code="google",
    name="Google Cloud Pub/Sub",
    description="Receive Pub/Sub push messages (OIDC-authenticated).",
    auth_type=AuthType.NONE,
    config_fields=(
        Field("service_account_email", "The push subscription's service account"),
        Field("audience", "Expected token audience; default the push endpoint URL", required=False),
    ),
    events=("message",),
)
