from django.urls import path

from core.api.routers import OptionalSlashRouter
from webhooks.outbound.api import operations, seed_compat
from webhooks.outbound.api.views import EventViewSet, SubscriptionViewSet

router = OptionalSlashRouter()
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("events", EventViewSet, basename="event")

v1_urlpatterns = [
    *router.urls,
    path(
        "admin/events/<uuid:event_id>/attempts",
        operations.EventAttemptsView.as_view(),
        name="event-attempts",
    ),
    path("admin/dead-letters", operations.DeadLetterListView.as_view(), name="dead-letters"),
    path(
        "admin/dead-letters/replay",
        operations.DeadLetterBulkReplayView.as_view(),
        name="dead-letters-replay",
    ),
    path(
        "admin/dead-letters/<uuid:delivery_id>/replay",
        operations.DeadLetterReplayView.as_view(),
        name="dead-letter-replay",
    ),
]

seed_urlpatterns = [
    path("notify", seed_compat.NotifyView.as_view(), name="webhooks-notify"),
    path("retry", seed_compat.RetryView.as_view(), name="webhooks-retry"),
]
