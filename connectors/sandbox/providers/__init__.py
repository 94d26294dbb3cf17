"""One module per simulated provider; ``build_providers()`` makes one instance of each."""

from __future__ import annotations

from connectors.sandbox.providers.base import Provider
from connectors.sandbox.providers.dynamics import Dynamics
from connectors.sandbox.providers.hubspot import HubSpot
from connectors.sandbox.providers.salesforce import Salesforce
from connectors.sandbox.providers.slack import Slack
from connectors.sandbox.providers.whatsapp import WhatsApp
from connectors.sandbox.providers.zapier import Zapier

PROVIDER_CLASSES: tuple[type[Provider], ...] = (
    HubSpot,
    Salesforce,
    Dynamics,
    Slack,
    WhatsApp,
    Zapier,
)


def build_providers() -> dict[str, Provider]:
    return {cls.name: cls() for cls in PROVIDER_CLASSES}
