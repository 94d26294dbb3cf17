from django.urls import path

from core.api.routers import OptionalSlashRouter
from crm_sync.api import views

router = OptionalSlashRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("sync-runs", views.SyncRunViewSet, basename="sync-run")
router.register("conflicts", views.ConflictViewSet, basename="conflict")

v1_urlpatterns = [
    path("connections/<uuid:pk>/sync", views.SyncNowView.as_view(), name="connection-sync"),
    path(
        "connections/<uuid:pk>/sync-settings",
        views.SyncSettingsView.as_view(),
        name="connection-sync-settings",
    ),
    *router.urls,
]

seed_urlpatterns = [
    path("sync-status", views.SyncStatusView.as_view(), name="crm-sync-status"),
    path("update-sync-status", views.UpdateSyncStatusView.as_view(), name="crm-update-sync-status"),
]
