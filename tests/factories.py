from __future__ import annotations

import json
from types import SimpleNamespace

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from connectors.connections import create_connection
from connectors.models import CallStatus, Connection, ConnectorCall
from crm_sync.models import (
    Client,
    Conflict,
    ExternalReference,
    RunStatus,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from tenants import services
from tenants.models import Tenant
from webhooks.inbound.models import (
    InboundEvent,
    InboundStatus,
    RegistrationKind,
    WebhookRegistration,
)
from webhooks.outbound import subscriptions
from webhooks.outbound.models import Delivery, DeliveryAttempt, DeliveryStatus, Event


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class IssuedKeyFactory(factory.Factory):
    """Issues a key through the real service; the product is an ``IssuedKey`` with the raw key."""

    class Meta:
        model = services.IssuedKey

    tenant = factory.SubFactory(TenantFactory)
    name = "test"

    @classmethod
    def _create(cls, model_class, *, tenant, name):
        return services.issue_api_key(tenant=tenant, name=name)

    _build = _create


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    is_superuser = True
    password = factory.django.Password("correct horse battery staple")


def make_subscription(*, tenant, url: str, events=("*",), **options):
    """A subscription created through the real service; returns (subscription, raw secret)."""
    from webhooks.outbound.subscriptions import create_subscription

    result = create_subscription(tenant=tenant, url=url, event_types=list(events), **options)
    return result.subscription, result.secret


# -- rows the services and workers write, for pages that show them -----------------------------


class ConnectionFactory(factory.Factory):
    """A connection made through the real service (definition check, encrypted secrets)."""

    class Meta:
        model = Connection

    tenant = factory.SubFactory(TenantFactory)
    connector = "slack"
    name = factory.Sequence(lambda n: f"Connection {n}")
    config = factory.Dict({})
    credentials = factory.Dict({"bot_token": "xoxb-factory-token"})
    base_url = ""

    @classmethod
    def _create(cls, model_class, **fields):
        return create_connection(**fields)


class WebhookRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookRegistration

    tenant = factory.SubFactory(TenantFactory)
    provider = "github"
    event_types = factory.List(["*"])
    secret = "It's a Secret to Everybody"


class InboundEventFactory(factory.django.DjangoModelFactory):
    """An event as the receive path stores it: the payload kept once, in the raw body."""

    class Meta:
        model = InboundEvent

    registration = factory.SubFactory(WebhookRegistrationFactory)
    tenant = factory.SelfAttribute("registration.tenant")
    provider = factory.SelfAttribute("registration.provider")
    event_type = "push"
    dedupe_key = factory.Sequence(lambda n: f"delivery-{n}")
    object_type = "repository"
    object_id = factory.Sequence(lambda n: f"repo-{n}")
    occurred_at = factory.LazyFunction(timezone.now)
    raw_body = factory.LazyAttribute(lambda o: json.dumps({"ref": "refs/heads/main"}).encode())
    payload_in_body = True
    headers = factory.LazyAttribute(lambda o: {"x-github-event": o.event_type})
    status = InboundStatus.PROCESSED
    received_at = factory.LazyFunction(timezone.now)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    tenant = factory.SubFactory(TenantFactory)
    event_type = "client.created"
    payload = factory.Dict({"id": "c-1", "name": "Ada", "createdAt": "2026-01-01T00:00:00Z"})


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    event = factory.SubFactory(EventFactory)
    tenant = factory.SelfAttribute("event.tenant")
    subscription = None  # give one: a subscription is made through its service
    status = DeliveryStatus.SUCCEEDED


class DeliveryAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryAttempt

    delivery = factory.SubFactory(DeliveryFactory)
    number = factory.Sequence(lambda n: n + 1)
    request_headers = factory.Dict({"webhook-id": "msg_1", "content-type": "application/json"})
    response_status = 500
    response_body = '{"error": "upstream unavailable"}'
    duration_ms = 120


class ConnectorCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConnectorCall

    connection = factory.SubFactory(ConnectionFactory)
    tenant = factory.SelfAttribute("connection.tenant")
    key = factory.Sequence(lambda n: f"call-{n}")
    connector = factory.SelfAttribute("connection.connector")
    capability_id = "chat.postMessage"
    request_hash = "0" * 64
    payload = factory.Dict({"text": "hello"})
    status = CallStatus.SUCCEEDED
    response = factory.Dict({"ok": True, "ts": "1700000000.000100"})


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    company = "Analytical Engines Ltd"


class ExternalReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalReference

    client = factory.SubFactory(ClientFactory)
    tenant = factory.SelfAttribute("client.tenant")
    connection = factory.SubFactory(ConnectionFactory, tenant=factory.SelfAttribute("..tenant"))
    provider = factory.SelfAttribute("connection.connector")
    external_id = factory.Sequence(lambda n: str(1000 + n))
    remote_modified_at = factory.LazyFunction(timezone.now)
    synced_values = factory.LazyAttribute(lambda o: o.client.synced_values())


class ConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conflict

    reference = factory.SubFactory(ExternalReferenceFactory)
    client = factory.SelfAttribute("reference.client")
    tenant = factory.SelfAttribute("reference.tenant")
    fields = factory.List(["name"])
    local_values = factory.Dict({"name": "Ada Lovelace"})
    remote_values = factory.Dict({"name": "Ada Byron"})
    remote_modified_at = factory.LazyFunction(timezone.now)


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    connection = factory.SubFactory(ConnectionFactory)
    tenant = factory.SelfAttribute("connection.tenant")
    trigger = SyncTrigger.POLL
    status = RunStatus.SUCCEEDED
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    pages = 2
    created = 3
    cursor_before = factory.Dict({"after": "0"})
    cursor_after = factory.Dict({"after": "200", "updatedAt": "2026-01-01T00:00:00Z"})


def populated_hub(*, tenant: Tenant, sandbox_url: str) -> SimpleNamespace:
    """A tenant with some of everything the admin shows, in the states operators look at:
    registrations with events (processed, failed, a signature failure), subscriptions with
    deliveries, attempts and dead letters, connector calls (dead-lettered among them), CRM
    connections with sync profiles scheduled in beat, runs, clients with references and an
    open conflict, API keys (one revoked), and beat schedules of every kind. Every connection
    points at the sandbox (``sandbox_url``), so nothing a page or action does leaves the box."""
    from crm_sync.services import profiles
    from tenants.services import issue_api_key, revoke_api_key

    now = timezone.now()
    slack = ConnectionFactory(tenant=tenant, connector="slack", base_url=f"{sandbox_url}/slack")
    github = ConnectionFactory(
        tenant=tenant,
        connector="github",
        credentials={"webhook_secret": "gh-secret"},
        base_url=f"{sandbox_url}/github",
    )
    hubspot = ConnectionFactory(
        tenant=tenant,
        connector="hubspot",
        credentials={"access_token": "sandbox-token"},
        base_url=f"{sandbox_url}/hubspot",
    )
    profiles.update_settings(
        connection=hubspot, changes={"polling_enabled": True, "conflict_rule": "manual_review"}
    )

    registration = WebhookRegistrationFactory(
        tenant=tenant,
        connection=github,
        signature_failures=2,
        last_signature_failure_at=now,
        last_signature_failure="signature mismatch",
        processing_failures=1,
        last_processing_failure_at=now,
    )
    events = [
        InboundEventFactory(registration=registration, processed_at=now),
        InboundEventFactory(
            registration=registration, status=InboundStatus.FAILED, attempts=3, error="boom"
        ),
        InboundEventFactory(
            registration=registration,
            event_type="ping",
            payload_in_body=False,
            stored_payload={"zen": "Keep it logically awesome.", "hook_id": 1},
        ),
    ]

    endpoint = WebhookRegistrationFactory(  # seed 000's provider-level URL, no connection
        tenant=tenant, provider="slack", kind=RegistrationKind.PROVIDER_ENDPOINT
    )
    events.append(  # a form-encoded body (Slack interactivity): the payload kept apart
        InboundEventFactory(
            registration=endpoint,
            event_type="block_actions",
            raw_body=b"payload=%7B%22type%22%3A%22block_actions%22%7D&x=%FF",
            payload_in_body=False,
            stored_payload={"type": "block_actions"},
            headers={"content-type": "application/x-www-form-urlencoded"},
            status=InboundStatus.IGNORED,
        )
    )

    subscription, _ = make_subscription(
        tenant=tenant,
        url="https://hooks.example.com/in",
        headers={"Authorization": "Bearer receiver-token", "X-Environment": "production"},
    )
    subscriptions.rotate_secret(subscription=subscription)  # the old secret signs a while
    subscriptions.set_enabled(
        subscription=make_subscription(tenant=tenant, url="https://old.example.com/in")[0],
        enabled=False,
        reason="failing for 5 days",
    )
    delivered = DeliveryFactory(
        tenant=tenant, event__tenant=tenant, subscription=subscription, succeeded_at=now
    )
    dead = DeliveryFactory(
        tenant=tenant,
        event__tenant=tenant,
        event__event_type="sync.status.changed",
        subscription=subscription,
        status=DeliveryStatus.DEAD,
        attempts=3,
        total_attempts=3,
        last_status_code=500,
        last_error="HTTP 500",
        dead_at=now,
    )
    retrying = DeliveryFactory(
        tenant=tenant,
        event__tenant=tenant,
        subscription=subscription,
        status=DeliveryStatus.FAILED,
        attempts=1,
        next_attempt_at=now,
    )
    for delivery in (delivered, dead, dead, dead, retrying):
        DeliveryAttemptFactory(delivery=delivery)
    jobs = _replay_jobs(tenant=tenant, dead=dead)

    calls = [
        ConnectorCallFactory(connection=slack, finished_at=now, attempts=1),
        ConnectorCallFactory(
            connection=slack,
            status=CallStatus.FAILED,
            response=None,
            error="HTTP 503 after 4 attempts",
            attempts=4,
            retries=3,
            finished_at=now,
        ),
        ConnectorCallFactory(connection=slack, status=CallStatus.PENDING, response=None),
    ]

    client = ClientFactory(tenant=tenant, sync_status=SyncStatus.FAILED, last_sync_error="429")
    reference = ExternalReferenceFactory(client=client, connection=hubspot)
    ConflictFactory(reference=reference)
    ExternalReferenceFactory(client__tenant=tenant, connection=hubspot)
    runs = [
        SyncRunFactory(connection=hubspot),
        SyncRunFactory(connection=hubspot, status=RunStatus.FAILED, error="HTTP 401"),
        SyncRunFactory(
            connection=hubspot,
            trigger=SyncTrigger.PUSH,
            client=client,
            connector_call=calls[0],
        ),
    ]

    revoke_api_key(api_key=issue_api_key(tenant=tenant, name="old").api_key)
    operators = Group.objects.create(name="operators")
    operators.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    _beat_schedules_of_every_kind()
    return SimpleNamespace(
        connections=[slack, github, hubspot],
        registration=registration,
        inbound_events=events,
        subscription=subscription,
        deliveries=[delivered, dead, retrying],
        calls=calls,
        client=client,
        runs=runs,
        jobs=jobs,
    )


def _beat_schedules_of_every_kind() -> None:
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    task = "webhooks.sweep_deliveries"
    crontab = CrontabSchedule.objects.create(minute="*/5", hour="*")
    solar = SolarSchedule.objects.create(event="sunrise", latitude=51.5, longitude=-0.12)
    clocked = ClockedSchedule.objects.create(clocked_time=timezone.now())
    PeriodicTask.objects.create(name="crontab task", task=task, crontab=crontab)
    PeriodicTask.objects.create(name="solar task", task=task, solar=solar)
    PeriodicTask.objects.create(name="one-off", task=task, clocked=clocked, one_off=True)


def _replay_jobs(*, tenant: Tenant, dead) -> list:
    """A queued replay of a dead letter, and one that failed half-way, with its reason."""
    from core.jobs.models import JobStatus
    from core.jobs.services import start_job
    from webhooks.outbound.replay import REPLAY_JOB

    rows = type(dead).objects.filter(pk=dead.pk)
    queued = start_job(kind=REPLAY_JOB, tenant=tenant, requested_by="ops", rows=rows)
    failed = start_job(kind=REPLAY_JOB, tenant=tenant, requested_by="ops", rows=rows)
    type(failed).objects.filter(pk=failed.pk).update(
        status=JobStatus.FAILED, done=0, failed=1, error="subscription was deleted"
    )
    return [queued, failed]
