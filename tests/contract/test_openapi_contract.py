"""The REST API's contract, proven by a client this project didn't write: schemathesis reads
``/api/schema/`` from a live server and sends what the schema allows (and what it forbids) to
every operation, with every check it has, then walks the links between operations.

A tenant with real rows (connections, a subscription, events, a dead letter, clients, a conflict,
a sync run, a connector call, a webhook registration) gives GET-by-id operations something to
find. Requests carry a Bearer API key; when a generated DELETE revokes it, a new one is issued.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from schemathesis import engine
from schemathesis.engine import events

from connectors.connections import create_connection
from connectors.models import ConnectorCall
from crm_sync.models import Client, Conflict, ExternalReference, SyncRun, SyncTrigger
from tenants import services as tenant_services
from tenants.models import ApiKey
from tests.factories import IssuedKeyFactory, make_subscription
from webhooks.inbound.registrations import create_registration
from webhooks.outbound.message import custom_headers_problem
from webhooks.outbound.models import DeliveryStatus
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db(transaction=True)

MAX_EXAMPLES = 20  # per operation and phase; the stateful run has its own budget below
STATEFUL_SCENARIOS = 40
STATEFUL_STEPS = 8


def _seed(tenant, sandbox):
    """One of everything the API reads, so ids found in lists lead somewhere real."""
    create_connection(
        tenant=tenant, connector="whatsapp", name="WhatsApp", config={"phone_number_id": "1"},
        credentials={"access_token": "sandbox-token"}, base_url=sandbox.base_url("whatsapp"),
    )  # fmt: skip
    hubspot = create_connection(
        tenant=tenant, connector="hubspot", name="HubSpot", credentials={"access_token": "t"},
        base_url=sandbox.base_url("hubspot"),
    )  # fmt: skip
    subscription, _ = make_subscription(
        tenant=tenant, url="http://127.0.0.1:9/hooks", events=["client.created"]
    )
    (delivery,) = publish(tenant, "client.created", {"id": "c-1"}).deliveries
    delivery.status = DeliveryStatus.DEAD
    delivery.dead_at = timezone.now() - timedelta(minutes=5)
    delivery.attempts = delivery.total_attempts = 1
    delivery.last_status_code = 500
    delivery.save()
    publish(tenant, "client.created", {"id": "c-2"})
    ada = Client.objects.create(tenant=tenant, name="Ada Lovelace", email="ada@example.com")
    Client.objects.create(tenant=tenant, name="No Email")  # email "" is a real value
    reference = ExternalReference.objects.create(
        tenant=tenant, client=ada, connection=hubspot, provider="hubspot", external_id="1001",
        synced_values={"name": "Ada", "email": "ada@example.com", "phone": "", "company": ""},
    )  # fmt: skip
    Conflict.objects.create(
        tenant=tenant, client=ada, reference=reference, fields=["name"],
        local_values={"name": "Ada Lovelace"}, remote_values={"name": "Ada Byron"},
    )  # fmt: skip
    SyncRun.objects.create(tenant=tenant, connection=hubspot, trigger=SyncTrigger.MANUAL)
    ConnectorCall.objects.create(
        tenant=tenant, connection=hubspot, key="seed-call", connector="hubspot",
        capability_id="contacts.upsert", request_hash="0" * 64, payload={"email": "a@b.c"},
    )  # fmt: skip
    create_registration(
        tenant=tenant, integration_id="hubspot", connection_id=hubspot.pk, events=["*"]
    )
    assert subscription.pk
    return hubspot


class TenantKey:
    """A Bearer key of the tenant under test: the same one while it's active, a fresh one once
    a generated ``DELETE /api/v1/api-keys/{id}/`` has revoked it."""

    def __init__(self, issued) -> None:
        self.tenant = issued.api_key.tenant
        self.api_key, self.raw_key = issued.api_key, issued.raw_key

    def get(self, case, ctx) -> str:
        if not ApiKey.objects.filter(pk=self.api_key.pk, revoked_at__isnull=True).exists():
            issued = tenant_services.issue_api_key(tenant=self.tenant, name="contract")
            self.api_key, self.raw_key = issued.api_key, issued.raw_key
        return self.raw_key

    def set(self, case, data: str, ctx) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _teach(schema, hubspot) -> None:
    """What valid data needs that OpenAPI 3.0 can't state, taught to the generator (for valid
    cases only): a registration names a connection the organization has (400 otherwise), and
    custom header names are tokens that aren't reserved (the schema's description says so)."""

    @schema.hook
    def map_case(context, case):
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return case
        if not isinstance(case.body, dict):
            return case
        if case.operation.path == "/integrations/{integration_id}/webhooks":
            case.path_parameters["integration_id"] = "hubspot"
            case.body["connectionId"] = str(hubspot.pk)
        if isinstance(case.body.get("headers"), dict):
            headers = case.body["headers"]
            case.body["headers"] = {
                name: value
                for name, value in headers.items()
                if custom_headers_problem({name: value}) is None
            }
        return case


def _schema(live_server, issued, hubspot, *, phases: list[str]):
    config = schemathesis.Config.from_dict(
        {
            "workers": 1,
            "seed": 20261202,  # the same cases each run: a failure reproduces
            # NUL can't be stored by PostgreSQL: the API refuses it with a 400 naming it (see
            # core.api.parsers), a rule JSON Schema has no words for.
            # UTF-8 is what JSON travels as: no lone surrogates.
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "allow-x00": False,
                "codec": "utf-8",
            },
            "phases": {
                "enabled": False,
                **{phase: {"enabled": True} for phase in phases},
                "stateful": {"enabled": "stateful" in phases, "max-steps": STATEFUL_STEPS},
            },
            "checks": {
                "enabled": True,
                # A well-formed request naming things that don't fit together (a connection of
                # another provider, a config field this connection's connector lacks) is a
                # documented 422; everything the schema can state is stated, and a 400 for a
                # request the schema allows still fails.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 422, 429, "5xx"]
                },
            },
            "cache": {"enabled": False},
        }
    )
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", config=config)
    key = TenantKey(issued)

    class Provider:
        def get(self, case, ctx):
            return key.get(case, ctx)

        def set(self, case, data, ctx):
            key.set(case, data, ctx)

    schema.auth(refresh_interval=None)(Provider)
    _teach(schema, hubspot)
    return schema


@dataclass
class Run:
    cases: int = 0
    scenarios: int = 0
    failures: list[str] = field(default_factory=list)

    def report(self) -> str:
        return f"{len(self.failures)} failure(s) in {self.cases} cases:\n\n" + "\n\n".join(
            self.failures
        )


def _run(schema) -> Run:
    run = Run()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            run.scenarios += 1
            run.cases += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                interaction = event.recorder.interactions.get(case_id)
                response = interaction.response if interaction else None
                answer = f"[{response.status_code}] {response.text[:300]}" if response else ""
                for check in checks:
                    if check.status == engine.Status.FAILURE and check.failure_info:
                        failure = check.failure_info.failure
                        run.failures.append(
                            f"{event.label} [{check.name}] {failure.title}: {failure.message}\n"
                            f"{check.failure_info.code_sample}\n{answer}"
                        )
        elif isinstance(event, events.NonFatalError):
            run.failures.append(f"{event.label}: error: {event.info}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    return run


@pytest.fixture
def contract(live_server, sandbox, settings):
    """(live_server, issued key, its HubSpot connection) after seeding the key's tenant."""
    settings.PUBLIC_BASE_URL = live_server.url
    issued = IssuedKeyFactory()
    hubspot = _seed(issued.api_key.tenant, sandbox)
    return live_server, issued, hubspot


def test_every_operation_keeps_its_contract(contract):
    run = _run(_schema(*contract, phases=["examples", "coverage", "fuzzing"]))
    assert run.cases > 0
    assert not run.failures, run.report()


def test_linked_operations_keep_the_contract(contract):
    run = _run(_schema(*contract, phases=["stateful"]))
    assert run.cases > 0
    assert not run.failures, run.report()
