"""``/webhooks/<id>`` is both the provider's URL (POST events; unauthenticated GET handshakes)
and seed 001's registration resource (authenticated GET and DELETE): the dispatcher tells
them apart by the API key."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from webhooks.inbound import views as receiving_views
from webhooks.inbound.api import views

_detail = views.RegistrationDetailView.as_view()


@csrf_exempt
def registration_or_receive(request: HttpRequest, registration_id):
    if request.method == "POST" or (
        request.method == "GET" and "authorization" not in request.headers
    ):
        return receiving_views.receive_registration(request, registration_id)
    return _detail(request, registration_id=registration_id)


urlpatterns = [
    path(
        "integrations/<str:integration_id>/webhooks",
        views.RegisterView.as_view(),
        name="webhook-register",
    ),
    path("webhooks", views.RegistrationListView.as_view(), name="webhook-registrations"),
    path("webhooks/health", views.ServiceHealthView.as_view(), name="webhooks-health"),
    path("webhooks/<uuid:registration_id>", registration_or_receive, name="webhook-receive"),
    path(
        "webhooks/<uuid:registration_id>/health",
        views.RegistrationHealthView.as_view(),
        name="webhook-health",
    ),
    path(
        "api/v1/connectors/<str:provider>/webhook",
        receiving_views.receive_provider_endpoint,
        name="provider-webhook",
    ),
]
