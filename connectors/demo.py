"""The demo tenant's connections, wired to the sandbox providers that ``make run`` starts."""

from __future__ import annotations

from connectors.connections import create_connection
from connectors.models import Connection
from tenants.models import Tenant

DEMO_CONNECTIONS = {
    "slack": ({"default_channel": "#general"}, {"bot_token": "xoxb-sandbox-demo"}),
    "hubspot": ({}, {"access_token": "pat-na1-sandbox-demo"}),
    "salesforce": (
        {"instance_url": "https://demo.my.salesforce.com"},
        {"access_token": "00D-demo"},
    ),
    "dynamics": (
        {"organization_url": "https://demo.crm.dynamics.com"},
        {"access_token": "eyJ-demo"},
    ),
    "whatsapp": ({"phone_number_id": "1234567890"}, {"access_token": "EAAG-sandbox-demo"}),
    "zapier": ({}, {"webhook_url": "https://hooks.zapier.com/hooks/catch/1000/demo/"}),
}


def ensure_demo_connections(*, tenant: Tenant, sandbox_url: str) -> list[Connection]:
    """Create (once) a connection per sandbox provider; return the tenant's demo connections."""
    connections = []
    for connector, (config, credentials) in DEMO_CONNECTIONS.items():
        name = f"Demo {connector} (sandbox)"
        existing = Connection.objects.filter(tenant=tenant, name=name).first()
        connections.append(
            existing
            or create_connection(
                tenant=tenant,
                connector=connector,
                name=name,
                config=config,
                credentials=credentials,
                base_url=f"{sandbox_url.rstrip('/')}/{connector}",
            )
        )
    return connections
