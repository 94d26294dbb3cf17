from django.urls import path

from core.api.routers import OptionalSlashRouter
from tenants.api.views import ApiKeyViewSet, WhoAmIView

router = OptionalSlashRouter()
router.register("api-keys", ApiKeyViewSet, basename="api-key")

urlpatterns = [path("me", WhoAmIView.as_view(), name="whoami"), *router.urls]
