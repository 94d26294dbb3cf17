from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from connectors.api import urls as connector_urls
from core.jobs.api import urls as job_urls
from core.views import health
from crm_sync.api import urls as crm_urls
from webhooks.outbound.api import urls as outbound_urls

urlpatterns = [
    path("health", health, name="health"),
    path("", include("django_prometheus.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("docs", RedirectView.as_view(pattern_name="api-docs")),  # where seed 003 says they are
    path("api/v1/", include("tenants.api.urls")),
    path("api/v1/", include(job_urls)),
    path("api/v1/", include(outbound_urls.v1_urlpatterns)),
    path("api/webhooks/", include(outbound_urls.seed_urlpatterns)),
    path("api/v1/", include(connector_urls.v1_urlpatterns)),
    path("api/v2/integrations/", include(connector_urls.v2_urlpatterns)),
    path("api/connectors/", include(connector_urls.health_urlpatterns)),
    path("api/v1/", include(crm_urls.v1_urlpatterns)),
    path("api/crm/", include(crm_urls.seed_urlpatterns)),
    path("admin/", admin.site.urls),
    path("", include("webhooks.inbound.api.urls")),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
