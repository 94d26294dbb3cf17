from django.apps import AppConfig


class CrmSyncConfig(AppConfig):
    """The local CRM of clients and its sync with providers."""

    name = "crm_sync"
    verbose_name = "CRM sync"
