"""The store's sorted index: a poll's query (answered from the index) returns exactly what the
same query answered by filtering and sorting every record returns, after writes of every kind;
and ``POST /_sandbox/reset`` reseeds with a chosen number of contacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.sandbox.providers.base import iso_millis, iso_seconds

HUBSPOT = {"Authorization": "Bearer pat-na1-x"}
SALESFORCE = {"Authorization": "Bearer 00Dx", "Sforce-Query-Options": "batchSize=200"}
DYNAMICS = {"Authorization": "Bearer eyJx", "Prefer": "odata.maxpagesize=40"}


@pytest.fixture
def changed(state):
    """Seeds plus touches, updates of later records and new ones, many in one second."""
    for provider, field in (
        ("hubspot", "jobtitle"),
        ("salesforce", "Title"),
        ("dynamics", "jobtitle"),
    ):
        store = state.store(provider)
        state.touch(provider, 30)
        for record in store.all()[100:140]:
            store.update(record.id, {field: "changed"})
        for i in range(30):
            name = {"hubspot": "lastname", "salesforce": "LastName", "dynamics": "lastname"}
            store.create({name[provider]: f"New {i}"})
    return state


def hubspot_search(http, sandbox, filters, after, *, indexed):
    groups = [{"filters": filters}]
    if not indexed:  # an ORed group that matches nothing: same answer, the full path
        groups.append({"filters": [{"propertyName": "email", "operator": "EQ", "value": "-"}]})
    body = {
        "filterGroups": groups,
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "limit": 37,
        "after": after,
    }
    url = f"{sandbox.base_url('hubspot')}/crm/v3/objects/contacts/search"
    answer = http.post(url, json=body, headers=HUBSPOT).json()
    return answer["total"], [r["id"] for r in answer["results"]], "paging" in answer


def test_hubspot_search_from_the_index_matches_a_full_search(http, sandbox, changed):
    middle = changed.hubspot.all()[120].modified
    cases = [
        [],
        [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": iso_millis(middle)}],
        [{"propertyName": "lastmodifieddate", "operator": "GT", "value": iso_millis(middle)}],
        [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1704067200000"},
            {"propertyName": "lastmodifieddate", "operator": "LT", "value": iso_millis(middle)},
            {"propertyName": "jobtitle", "operator": "NOT_HAS_PROPERTY"},
        ],
    ]
    for filters in cases:
        for after in (0, 37, 222, 259):
            indexed = hubspot_search(http, sandbox, filters, after, indexed=True)
            assert indexed == hubspot_search(http, sandbox, filters, after, indexed=False)


def soql_pages(http, sandbox, where: str, order: str) -> list[list[str]]:
    base = sandbox.base_url("salesforce")
    soql = f"SELECT Id, LastModifiedDate FROM Contact{where} ORDER BY {order}"
    answer = http.get(f"{base}/services/data/v59.0/query", params={"q": soql}, headers=SALESFORCE)
    pages = [answer.json()]
    while not pages[-1]["done"]:
        pages.append(http.get(base + pages[-1]["nextRecordsUrl"], headers=SALESFORCE).json())
    return [[row["Id"] for row in page["records"]] for page in pages]


def test_soql_from_the_index_matches_a_full_sort(http, sandbox, changed):
    middle = iso_millis(changed.salesforce.all()[120].modified, "+0000")
    for where in (
        "",
        f" WHERE LastModifiedDate >= {middle}",
        f" WHERE Title = null AND SystemModstamp > {middle}",
    ):
        indexed = soql_pages(http, sandbox, where, "LastModifiedDate, Id")
        # Email after the unique Id changes nothing but takes the full path.
        assert indexed == soql_pages(http, sandbox, where, "LastModifiedDate, Id, Email")
        assert len(indexed) >= 1


def odata_pages(http, sandbox, params: dict) -> list[tuple[list[str], int | None]]:
    response = http.get(
        f"{sandbox.base_url('dynamics')}/api/data/v9.2/contacts", params=params, headers=DYNAMICS
    )
    pages = [response.json()]
    while "@odata.nextLink" in pages[-1]:
        pages.append(http.get(pages[-1]["@odata.nextLink"], headers=DYNAMICS).json())
    return [([row["contactid"] for row in p["value"]], p.get("@odata.count")) for p in pages]


def test_odata_from_the_index_matches_a_full_sort(http, sandbox, changed):
    middle = iso_seconds(changed.dynamics.all()[120].modified)
    now = iso_seconds(datetime.now(UTC) - timedelta(seconds=5))
    filters = [
        "",
        f"modifiedon ge {middle}",
        f"modifiedon gt {now}",
        f"modifiedon lt {middle} and jobtitle eq null",
    ]
    for where in filters:
        for extra in ({}, {"$top": "130", "$count": "true"}):
            params = {"$select": "contactid", **extra, **({"$filter": where} if where else {})}
            indexed = odata_pages(
                http, sandbox, {**params, "$orderby": "modifiedon asc,contactid asc"}
            )
            full = odata_pages(
                http, sandbox, {**params, "$orderby": "modifiedon asc,contactid asc,fullname asc"}
            )
            assert indexed == full


def test_a_record_read_from_the_store_is_a_copy(state):
    record = state.hubspot.get("1001")
    record.fields["firstname"] = "Changed"
    state.hubspot.select(limit=1).records[0].fields["firstname"] = "Changed"
    assert state.hubspot.get("1001").fields["firstname"] == "Ada"


def test_reset_takes_a_seed_count_and_keeps_it(http, sandbox, state):
    assert http.post(f"{sandbox.url}/_sandbox/reset", json={"seed_count": 40}).status_code == 204
    assert state.stats()["records"] == {"hubspot": 40, "salesforce": 40, "dynamics": 40}
    assert http.post(f"{sandbox.url}/_sandbox/reset").status_code == 204
    assert state.stats()["records"]["dynamics"] == 40
    refused = http.post(f"{sandbox.url}/_sandbox/reset", json={"seed_count": -1})
    assert refused.status_code == 400 and "seed_count" in refused.json()["error"]
    state.reset(seed_count=250)


def test_writes_are_stamped_after_the_newest_seed(state):
    state.reset(seed_count=30_000)  # hourly seeds from 2024 reach past today
    try:
        newest = max(record.modified for record in state.dynamics.select(limit=None).records)
        [touched] = state.touch("dynamics", 1)
        assert state.dynamics.get(touched).modified > newest
    finally:
        state.reset(seed_count=250)
