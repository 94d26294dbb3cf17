"""GitHub: repository and organization webhooks signed with X-Hub-Signature-256."""

from connectors.providers.base import AuthType, ConnectorDefinition, Field

DEFINITION = ConnectorDefinition(
    code="github",
    name="GitHub",
    description="Receive repository and organization events.",
    auth_type=AuthType.HMAC_SECRET,
    default_base_url="https://api.github.com",
    credential_fields=(Field("webhook_secret", "The webhook's secret"),),
    events=("ping", "push", "pull_request", "issues", "issue_comment", "release", "workflow_run"),
)
