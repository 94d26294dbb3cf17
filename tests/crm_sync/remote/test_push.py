"""``push_request`` builds the payload of each connector's existing upsert capability, and
``pushed_external_id`` reads the id back out of that capability's response: shown by running
the capability (as the connector-call runner does) against the sandbox."""

from __future__ import annotations

import pytest

from connectors.providers import get_definition
from connectors.providers.base import CapabilityContext
from core.http import outbound_session
from crm_sync.remote import adapter_for

pytestmark = pytest.mark.django_db

GRACE = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace.hopper@example.com",
    "phone": "+1-555-1906",
    "company": "Navy",
}


def run_capability(connection, capability: str, payload: dict) -> dict:
    """What ``connectors.calls.runner`` does for one attempt; its return value is stored."""
    definition = get_definition(connection.connector)
    context = CapabilityContext(
        base_url=definition.base_url(override=connection.base_url, config=connection.config),
        config=connection.config,
        credentials=connection.credentials,
        session=outbound_session(),
        timeout=10,
        idempotency_key="push-1",
    )
    return definition.capability(capability).handler(context, payload)


@pytest.mark.parametrize(
    ("provider", "external_id", "expected"),
    [
        (
            "hubspot",
            None,
            (
                "contacts.upsert",
                {
                    "properties": {
                        "firstname": "Grace",
                        "lastname": "Hopper",
                        "email": "grace.hopper@example.com",
                        "phone": "+1-555-1906",
                        "company": "Navy",
                    }
                },
            ),
        ),
        (
            "salesforce",
            None,
            (
                "contact.upsert",
                {
                    "external_id": "client-7",
                    "fields": {
                        "FirstName": "Grace",
                        "LastName": "Hopper",
                        "Email": "grace.hopper@example.com",
                        "Phone": "+1-555-1906",
                    },
                },
            ),
        ),
        (
            "dynamics",
            "6d81597f-0f9f-e711-8122-000d3aa2331c",
            (
                "contact.upsert",
                {
                    "fields": {
                        "firstname": "Grace",
                        "lastname": "Hopper",
                        "emailaddress1": "grace.hopper@example.com",
                        "telephone1": "+1-555-1906",
                        "contactid": "6d81597f-0f9f-e711-8122-000d3aa2331c",
                    }
                },
            ),
        ),
    ],
)
def test_a_push_creates_the_contact_and_names_its_id(
    provider, external_id, expected, connection, sandbox
):
    adapter = adapter_for(provider)
    request = adapter.push_request(fields=GRACE, external_id=external_id, client_id="client-7")
    assert request == expected
    response = run_capability(connection, *request)
    pushed = adapter.pushed_external_id(response)
    record = sandbox.state.store(provider).get(pushed)
    assert record is not None and len(sandbox.state.store(provider)) == 451
    assert "grace.hopper@example.com" in record.fields.values()


CLIENT_ID = "5b1e6c0e-6a55-4b8a-9d38-6d1d3c0a7e21"


def test_a_second_push_updates_the_same_contact(provider, connection, sandbox):
    adapter = adapter_for(provider)
    first = adapter.push_request(fields=GRACE, external_id=None, client_id=CLIENT_ID)
    pushed = adapter.pushed_external_id(run_capability(connection, *first))
    again = adapter.push_request(
        fields={**GRACE, "phone": "+1-555-0000"}, external_id=None, client_id=CLIENT_ID
    )
    assert adapter.pushed_external_id(run_capability(connection, *again)) == pushed
    phone = adapter_for(provider).FIELDS["phone"]
    assert sandbox.state.store(provider).get(pushed).fields[phone] == "+1-555-0000"


def test_salesforce_updates_a_linked_contact_by_its_id_without_creating_one(
    tenant, connect, sandbox
):
    connection = connect(tenant, "salesforce")
    seeded = sandbox.state.salesforce.all()[0]
    _, payload = adapter_for("salesforce").push_request(
        fields={"last_name": "Hopper"}, external_id=seeded.id, client_id="client-7"
    )
    assert payload == {
        "external_id_field": "Id",
        "external_id": seeded.id,
        "fields": {"LastName": "Hopper"},
    }
    count = len(sandbox.state.salesforce)
    run_capability(connection, "contact.upsert", payload)
    assert len(sandbox.state.salesforce) == count
    assert sandbox.state.salesforce.get(seeded.id).fields["LastName"] == "Hopper"


def test_a_new_dynamics_contact_takes_the_clients_id_as_its_contactid():
    _, payload = adapter_for("dynamics").push_request(
        fields={"email": "a@example.com", "phone": ""}, external_id=None, client_id=CLIENT_ID
    )
    assert payload == {
        "fields": {"emailaddress1": "a@example.com", "telephone1": None, "contactid": CLIENT_ID}
    }


@pytest.mark.parametrize(
    ("provider", "fields", "problem"),
    [
        ("hubspot", {"last_name": "Hopper"}, "by email"),
        ("salesforce", {"email": "a@example.com"}, "LastName"),
        ("hubspot", {"email": "a@example.com", "shoe_size": "9"}, "unknown contact fields"),
    ],
)
def test_a_push_the_provider_would_refuse_is_refused_here(provider, fields, problem):
    with pytest.raises(ValueError, match=problem):
        adapter_for(provider).push_request(fields=fields, external_id=None, client_id="c")


@pytest.mark.parametrize(
    ("provider", "response", "expected"),
    [
        ("hubspot", {"status": "COMPLETE", "results": [{"id": "1251", "new": True}]}, "1251"),
        ("hubspot", {"results": []}, None),
        ("salesforce", {"status_code": 201, "id": "003SB0000000251AAA"}, "003SB0000000251AAA"),
        ("salesforce", {"status_code": 204}, None),  # an update before API v46.0 says nothing
        ("dynamics", {"status_code": 201, "contactid": "6d81597f"}, "6d81597f"),
        ("dynamics", {}, None),
    ],
)
def test_pushed_external_id_reads_each_capability_response(provider, response, expected):
    assert adapter_for(provider).pushed_external_id(response) == expected
