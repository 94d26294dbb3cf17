"""Webhook-triggered sync (seed 001): signed provider webhooks through the real receive path
and processing, fetching partial records from the sandbox; a contact seen by a webhook and a
poll is one client."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from connectors.sandbox import webhooks as signers
from crm_sync.models import Client, ExternalReference, RunStatus, SyncRun
from crm_sync.services.polling import poll
from webhooks.inbound import processing
from webhooks.inbound.registrations import create_registration
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "crm-webhook-secret-0123456789"


def _post(signed) -> int:
    path = "/" + signed.url.split("://", 1)[1].split("/", 1)[1]
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.headers.items()}
    headers.pop("HTTP_CONTENT_TYPE", None)
    response = APIClient().generic(
        "POST", path, signed.body, content_type="application/json", **headers
    )
    return response.status_code


def _registration(tenant, connection):
    created = create_registration(
        tenant=tenant,
        integration_id=connection.connector,
        connection_id=connection.id,
        events=["*"],
        secret=SECRET,
    )
    return f"http://testserver/webhooks/{created.registration.id}"


def _hubspot_event(object_id: str, subscription: str = "contact.creation", event_id: int = 1):
    return [
        {
            "eventId": event_id,
            "subscriptionId": 2189374,
            "portalId": 44201187,
            "occurredAt": 1731662100512,
            "subscriptionType": subscription,
            "attemptNumber": 0,
            "objectId": int(object_id),
        }
    ]


def test_a_partial_hubspot_event_fetches_the_contact_and_a_poll_finds_the_same_client(
    tenant, connect, sandbox
):
    connection = connect(tenant, "hubspot")
    url = _registration(tenant, connection)
    record = sandbox.state.hubspot.all()[3]
    signed = signers.build("hubspot", url, SECRET, _hubspot_event(record.id), version="v1")
    assert _post(signed) == 202
    assert processing.process_all() == 1
    client = Client.objects.get(tenant=tenant)
    assert client.email == record.fields["email"] and client.name.startswith(
        record.fields["firstname"]
    )
    assert sandbox.state.request_count("hubspot") == 1  # the one fetch of the full record
    run = SyncRun.objects.get(trigger="webhook")
    assert run.status == RunStatus.SUCCEEDED and run.created == 1
    polled = poll(connection=connection)
    assert polled.created == 249 and Client.objects.filter(tenant=tenant).count() == 250
    assert ExternalReference.objects.filter(external_id=record.id).count() == 1
    assert Event.objects.filter(event_type="client.created").count() == 250


def test_a_full_salesforce_callout_applies_without_a_fetch(tenant, connect, sandbox):
    connection = connect(tenant, "salesforce")
    url = _registration(tenant, connection)
    fields = {
        "Id": "0035g00000LqX8bAAF",
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Email": "ada.lovelace@example.com",
        "Phone": "+44 20 7946 0958",
        "LastModifiedDate": "2024-11-18T14:02:37.000+0000",
    }
    payload = [{"action": "created", "sobject": {"name": "Contact", "fields": fields}}]
    assert _post(signers.build("salesforce", url, SECRET, payload)) == 202
    processing.process_all()
    client = Client.objects.get(tenant=tenant)
    assert (client.name, client.phone) == ("Ada Lovelace", "+44 20 7946 0958")
    assert sandbox.state.request_count("salesforce") == 0


def test_a_webhook_deduplicates_by_email_onto_an_existing_client(tenant, connect, sandbox):
    from crm_sync.services import clients

    record = sandbox.state.hubspot.all()[0]
    local = clients.create_client(
        tenant=tenant, values={"name": "Local Name", "email": record.fields["email"]}
    )
    connection = connect(tenant, "hubspot", push_enabled=False)
    url = _registration(tenant, connection)
    assert (
        _post(signers.build("hubspot", url, SECRET, _hubspot_event(record.id), version="v1")) == 202
    )
    processing.process_all()
    assert Client.objects.filter(tenant=tenant).count() == 1
    reference = ExternalReference.objects.get(external_id=record.id)
    assert reference.client_id == local.id


def test_a_deletion_unlinks_and_removes_a_client_only_the_provider_had(tenant, connect, sandbox):
    connection = connect(tenant, "hubspot")
    poll(connection=connection)
    record = sandbox.state.hubspot.all()[5]
    url = _registration(tenant, connection)
    event = _hubspot_event(record.id, subscription="contact.deletion", event_id=9)
    assert _post(signers.build("hubspot", url, SECRET, event, version="v1")) == 202
    processing.process_all()
    assert not ExternalReference.objects.filter(external_id=record.id).exists()
    assert Client.objects.filter(tenant=tenant).count() == 249
    [deleted] = Event.objects.filter(event_type="client.deleted")
    assert deleted.payload["email"] == record.fields["email"]


def test_an_unreachable_provider_leaves_the_event_to_be_processed_again(tenant, connect, sandbox):
    connection = connect(tenant, "hubspot")
    url = _registration(tenant, connection)
    record = sandbox.state.hubspot.all()[3]
    sandbox.state.faults.set("hubspot", error_burst=1)
    assert (
        _post(signers.build("hubspot", url, SECRET, _hubspot_event(record.id), version="v1")) == 202
    )
    processing.process_all()
    assert not Client.objects.exists()
    processing.process_all()  # the event is pending again; the provider answers now
    assert Client.objects.filter(tenant=tenant).count() == 1
