"""Simulated Dataverse Web API over real HTTP: maxpagesize, nextLink, $filter, writes, 429."""

from __future__ import annotations

import uuid

import pytest

AUTH = {"Authorization": "Bearer eyJ0eXAiOiJKV1QifQ.sandbox"}


def contacts_url(sandbox):
    return f"{sandbox.base_url('dynamics')}/api/data/v9.2/contacts"


def test_maxpagesize_pages_through_next_links(http, sandbox):
    headers = {**AUTH, "Prefer": "odata.maxpagesize=100"}
    params = {
        "$select": "fullname,modifiedon",
        "$filter": "modifiedon gt 2024-01-01T00:00:00Z",
        "$orderby": "modifiedon asc",
    }
    response = http.get(contacts_url(sandbox), params=params, headers=headers)
    rows, pages = [], 0
    while True:
        assert response.status_code == 200
        assert response.headers["Preference-Applied"] == "odata.maxpagesize=100"
        assert response.headers["OData-Version"] == "4.0"
        body = response.json()
        rows += body["value"]
        pages += 1
        if "@odata.nextLink" not in body:
            break
        assert "$skiptoken=" in body["@odata.nextLink"]
        response = http.get(body["@odata.nextLink"], headers=headers)
    assert pages == 3 and len({r["contactid"] for r in rows}) == 250
    assert [r["modifiedon"] for r in rows] == sorted(r["modifiedon"] for r in rows)
    assert set(rows[0]) == {"@odata.etag", "fullname", "modifiedon", "contactid"}
    assert body["@odata.context"].endswith("/api/data/v9.2/$metadata#contacts(fullname,modifiedon)")


def test_filter_on_modifiedon_and_default_page_of_5000(http, sandbox, state):
    state.touch("dynamics", 4)
    params = {"$filter": "modifiedon gt 2025-01-01T00:00:00Z and statecode eq 0", "$count": "true"}
    response = http.get(contacts_url(sandbox), params=params, headers=AUTH)
    body = response.json()
    assert "Preference-Applied" not in response.headers
    assert body["@odata.count"] == 4 and len(body["value"]) == 4
    assert "@odata.nextLink" not in body
    assert all(row["jobtitle"].startswith("touched") for row in body["value"])


@pytest.mark.parametrize(
    "params",
    [
        {"$select": "nope"},
        {"$filter": "nope eq 1"},
        {"$filter": "modifiedon gt"},
        {"$orderby": "nope asc"},
        {"$skiptoken": "garbage"},
    ],
)
def test_bad_queries_answer_odata_errors(http, sandbox, params):
    response = http.get(contacts_url(sandbox), params=params, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["code"].startswith("0x")


def test_create_returns_the_entity_id_and_upsert_by_key(http, sandbox, state):
    created = http.post(contacts_url(sandbox), json={"lastname": "Lamarr"}, headers=AUTH)
    assert created.status_code == 204
    entity = created.headers["OData-EntityId"]
    assert entity.startswith(contacts_url(sandbox) + "(")
    new_id = str(uuid.uuid4())
    upserted = http.patch(
        f"{contacts_url(sandbox)}({new_id})",
        json={"lastname": "Hamilton"},
        headers={**AUTH, "Prefer": "return=representation"},
    )
    assert upserted.status_code == 201 and upserted.json()["contactid"] == new_id
    updated = http.patch(
        f"{contacts_url(sandbox)}({new_id})", json={"firstname": "Margaret"}, headers=AUTH
    )
    assert updated.status_code == 204
    read = http.get(f"{contacts_url(sandbox)}({new_id})", headers=AUTH).json()
    assert read["fullname"] == "Margaret Hamilton" and read["@odata.etag"] == 'W/"1000002"'


def test_upsert_preconditions_and_unknown_properties(http, sandbox, state):
    existing = state.dynamics.all()[0].id
    only_update = http.patch(
        f"{contacts_url(sandbox)}({uuid.uuid4()})", json={}, headers={**AUTH, "If-Match": "*"}
    )
    assert only_update.status_code == 404
    only_create = http.patch(
        f"{contacts_url(sandbox)}({existing})", json={}, headers={**AUTH, "If-None-Match": "*"}
    )
    assert only_create.status_code == 412
    bad = http.post(contacts_url(sandbox), json={"shoesize": 44}, headers=AUTH)
    assert bad.status_code == 400 and "shoesize" in bad.json()["error"]["message"]


def test_no_token_is_401_with_a_challenge(http, sandbox):
    response = http.get(contacts_url(sandbox))
    assert response.status_code == 401 and response.content == b""
    assert response.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")


def test_service_protection_limit_is_429_with_retry_after(http, sandbox, state):
    state.faults.set("dynamics", rate_limit_next=2, retry_after=7)
    for _ in range(2):
        limited = http.get(contacts_url(sandbox), headers=AUTH)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
        assert limited.json()["error"]["code"] == "0x80072322"
    assert http.get(contacts_url(sandbox), headers=AUTH).status_code == 200
