from django.urls import path

from connectors.api import seed_002
from connectors.api.views import (
    BreakerHealthListView,
    BreakerHealthView,
    CatalogViewSet,
    ConnectionViewSet,
    ConnectorCallViewSet,
)
from core.api.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("connectors", CatalogViewSet, basename="connector")
router.register("connections", ConnectionViewSet, basename="connection")
router.register("connector-calls", ConnectorCallViewSet, basename="connector-call")

v1_urlpatterns = router.urls

v2_urlpatterns = [
    path("connectors", seed_002.ConnectorsOperationView.as_view(), name="v2-connectors"),
    path("events", seed_002.IntegrationEventsView.as_view(), name="v2-events"),
    path("logs", seed_002.IntegrationLogsView.as_view(), name="v2-logs"),
]

health_urlpatterns = [
    path("health", BreakerHealthListView.as_view(), name="connectors-health"),
    path("<str:name>/health", BreakerHealthView.as_view(), name="connector-health"),
]
