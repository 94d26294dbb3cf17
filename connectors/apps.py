from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    """Provider catalog, per-tenant connections, connector calls, sandbox providers."""

    name = "connectors"
    verbose_name = "Connectors"
