from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Inbound provider webhooks and outbound subscriber deliveries."""

    name = "webhooks"
    verbose_name = "Webhooks"
