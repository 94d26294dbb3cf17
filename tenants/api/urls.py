from django.urls import path
from rest_framework.routers import SimpleRouter

from tenants.api.views import ApiKeyViewSet, WhoAmIView

router = SimpleRouter(trailing_slash="/?")
router.register("api-keys", ApiKeyViewSet, basename="api-key")

urlpatterns = [path("me", WhoAmIView.as_view(), name="whoami"), *router.urls]
