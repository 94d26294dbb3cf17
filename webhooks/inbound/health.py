"""Health of a registration, by rules a person can check: signature failures mean the secret
at the provider and here differ; processing failures mean the hub couldn't act on events;
silence means the provider stopped sending (or was never set up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from webhooks.inbound.models import InboundEvent, InboundStatus, WebhookRegistration

RECENT = timedelta(hours=24)
FAILED_AFTER = 5  # recent failures with nothing accepted since


@dataclass(frozen=True)
class Health:
    status: str  # healthy | degraded | failed
    failure_count: int
    last_event_at: datetime | None
    received: int
    processed: int
    failed_events: int
    recommendations: list[str]

    def as_dict(self, registration: WebhookRegistration) -> dict:
        return {
            "registrationId": str(registration.id),
            "integrationId": registration.provider,
            "status": self.status,
            "failureCount": self.failure_count,
            "lastEventAt": self.last_event_at,
            "received": self.received,
            "processed": self.processed,
            "failedEvents": self.failed_events,
            "signatureFailures": registration.signature_failures,
            "lastSignatureFailureAt": registration.last_signature_failure_at,
            "recommendations": self.recommendations,
        }


def registration_health(
    registration: WebhookRegistration, *, now: datetime | None = None
) -> Health:
    now = now or timezone.now()
    counts = InboundEvent.objects.filter(registration=registration).aggregate(
        received=Count("id"),
        processed=Count("id", filter=Q(status=InboundStatus.PROCESSED)),
        failed=Count("id", filter=Q(status=InboundStatus.FAILED)),
        last_event_at=Max("received_at"),
    )
    last_event_at = counts["last_event_at"]
    advice: list[str] = []
    status = "healthy"
    signature_status = _signature_status(registration, last_event_at, now, advice)
    processing_status = _processing_status(registration, counts["failed"], now, advice)
    for found in (signature_status, processing_status):
        status = _worse(status, found)
    if registration.status != "active":
        status = "failed"
        advice.append("The registration is disabled: enable it or delete it.")
    if last_event_at is None:
        advice.append(
            "No event received yet: configure the webhook URL and secret at the provider."
        )
    return Health(
        status=status,
        failure_count=registration.signature_failures + registration.processing_failures,
        last_event_at=last_event_at,
        received=counts["received"],
        processed=counts["processed"],
        failed_events=counts["failed"],
        recommendations=advice,
    )


def _signature_status(registration, last_event_at, now, advice) -> str:
    failed_at = registration.last_signature_failure_at
    if not failed_at or failed_at < now - RECENT:
        return "healthy"
    since = failed_at.isoformat(timespec="seconds")
    advice.append(
        f"Signature failures (last at {since}: {registration.last_signature_failure}): "
        "check the secret configured at the provider matches this registration's."
    )
    nothing_since = last_event_at is None or last_event_at < failed_at
    if nothing_since and registration.signature_failures >= FAILED_AFTER:
        return "failed"
    return "degraded"


def _processing_status(registration, failed_events, now, advice) -> str:
    failed_at = registration.last_processing_failure_at
    if not failed_at or failed_at < now - RECENT:
        return "healthy"
    advice.append(
        f"{failed_events} event(s) failed processing (last at "
        f"{failed_at.isoformat(timespec='seconds')}): see their errors in the admin and "
        "reprocess them once the cause is fixed."
    )
    return "failed" if failed_events >= FAILED_AFTER else "degraded"


_ORDER = {"healthy": 0, "degraded": 1, "failed": 2}


def _worse(a: str, b: str) -> str:
    return a if _ORDER[a] >= _ORDER[b] else b
