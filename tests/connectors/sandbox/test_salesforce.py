"""Simulated Salesforce REST over real HTTP: SOQL paging through nextRecordsUrl, upserts."""

from __future__ import annotations

import pytest

AUTH = {"Authorization": "Bearer 00DSB0000000001!sandbox"}
EXTERNAL = "External_Id__c"
SOQL = "SELECT Id, Email, LastModifiedDate FROM Contact WHERE {field} > {since} ORDER BY {field}"


def query(http, sandbox, soql, headers=AUTH):
    url = f"{sandbox.base_url('salesforce')}/services/data/v59.0/query"
    return http.get(url, params={"q": soql}, headers=headers)


def test_query_pages_through_next_records_url_until_done(http, sandbox):
    instance = sandbox.base_url("salesforce")
    page = query(http, sandbox, SOQL.format(field="LastModifiedDate", since="2024-01-01T00:00:00Z"))
    records, pages = [], 0
    while True:
        assert page.status_code == 200
        body = page.json()
        assert body["totalSize"] == 250
        records += body["records"]
        pages += 1
        if body["done"]:
            assert "nextRecordsUrl" not in body
            break
        assert body["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
        page = http.get(instance + body["nextRecordsUrl"], headers=AUTH)
    assert pages == 2 and len({r["Id"] for r in records}) == 250
    stamps = [r["LastModifiedDate"] for r in records]
    assert stamps == sorted(stamps)
    assert records[0] == {
        "attributes": {
            "type": "Contact",
            "url": f"/services/data/v59.0/sobjects/Contact/{records[0]['Id']}",
        },
        "Id": records[0]["Id"],
        "Email": records[0]["Email"],
        "LastModifiedDate": "2024-01-01T00:30:00.000+0000",
    }


def test_batch_size_header_and_system_modstamp(http, sandbox, state):
    state.touch("salesforce", 3)
    soql = SOQL.format(field="SystemModstamp", since="2024-12-31T00:00:00.000+0000")
    url = f"{sandbox.base_url('salesforce')}/services/data/v59.0/query"
    body = http.get(
        url, params={"q": soql}, headers={**AUTH, "Sforce-Query-Options": "batchSize=500"}
    )
    assert body.json()["totalSize"] == 3 and body.json()["done"] is True
    everything = "SELECT Id FROM Contact"
    big = http.get(
        url, params={"q": everything}, headers={**AUTH, "Sforce-Query-Options": "batchSize=500"}
    )
    assert len(big.json()["records"]) == 250 and big.json()["done"] is True


def test_the_cursor_keeps_the_rows_of_the_moment_the_query_ran(http, sandbox, state):
    instance = sandbox.base_url("salesforce")
    first = query(http, sandbox, "SELECT Id, Title FROM Contact ORDER BY Id").json()
    touched = state.touch("salesforce", 250)
    second = http.get(instance + first["nextRecordsUrl"], headers=AUTH).json()
    assert touched and all(r["Title"] is None for r in second["records"])


def test_an_unencoded_plus_is_a_malformed_query(http, sandbox):
    url = f"{sandbox.base_url('salesforce')}/services/data/v59.0/query"
    raw = "q=SELECT+Id+FROM+Contact+WHERE+LastModifiedDate+>+2024-01-01T00:00:00.000+0000"
    response = http.get(f"{url}?{raw}", headers=AUTH)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id, Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Lead", "INVALID_TYPE"),
        ("SELECT Id FROM Contact WHERE LastModifiedDate > '2024-01-01T00:00:00Z'", "INVALID_FIELD"),
        ("SELEKT Id FROM Contact", "MALFORMED_QUERY"),
    ],
)
def test_bad_queries_answer_salesforce_error_lists(http, sandbox, soql, code):
    response = query(http, sandbox, soql)
    assert response.status_code == 400
    (error,) = response.json()
    assert error["errorCode"] == code and error["message"]


def test_string_conditions_ignore_case(http, sandbox, state):
    email = state.salesforce.all()[4].fields["Email"]
    body = query(http, sandbox, f"SELECT Id FROM Contact WHERE Email = '{email.upper()}'").json()
    assert body["totalSize"] == 1


def test_upsert_creates_201_then_updates_200_on_v46_and_later(http, sandbox, state):
    url = f"{sandbox.base_url('salesforce')}/services/data/v59.0/sobjects/Contact/{EXTERNAL}/HUB-1"
    created = http.patch(url, json={"LastName": "Hopper"}, headers=AUTH)
    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"],
        "success": True,
        "errors": [],
        "created": True,
    }
    updated = http.patch(url, json={"Title": "Rear Admiral"}, headers=AUTH)
    assert updated.status_code == 200 and updated.json()["created"] is False
    record = state.salesforce.get(created.json()["id"])
    assert record.fields == {
        "LastName": "Hopper",
        "Title": "Rear Admiral",
        "External_Id__c": "HUB-1",
    }
    assert record.modified > record.created


def test_upsert_update_is_204_before_v46(http, sandbox):
    url = (
        f"{sandbox.base_url('salesforce')}/services/data/v45.0/sobjects/Contact/{EXTERNAL}/SB-00001"
    )
    response = http.patch(url, json={"Title": "Countess"}, headers=AUTH)
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("Email/x@example.com", {"LastName": "X"}, 404, "NOT_FOUND"),
        ("External_Id__c/NEW-1", {"FirstName": "X"}, 400, "REQUIRED_FIELD_MISSING"),
        ("External_Id__c/NEW-1", {"LastName": "X", "Bogus": 1}, 400, "INVALID_FIELD"),
        (
            "External_Id__c/NEW-1",
            {"LastName": "X", "CreatedDate": "x"},
            400,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
        ),
    ],
)
def test_upsert_errors(http, sandbox, path, body, status, code):
    url = f"{sandbox.base_url('salesforce')}/services/data/v59.0/sobjects/Contact/{path}"
    response = http.patch(url, json=body, headers=AUTH)
    assert response.status_code == status and response.json()[0]["errorCode"] == code


def test_create_and_read_by_id_and_external_id(http, sandbox):
    base = f"{sandbox.base_url('salesforce')}/services/data/v59.0/sobjects/Contact"
    created = http.post(base, json={"LastName": "Liskov", "External_Id__c": "B-1"}, headers=AUTH)
    assert created.status_code == 201 and created.json()["success"] is True
    by_id = http.get(f"{base}/{created.json()['id']}", headers=AUTH).json()
    by_external = http.get(f"{base}/External_Id__c/b-1", headers=AUTH).json()
    assert by_id == by_external and by_id["Name"] == "Liskov"


def test_missing_session_and_request_limit(http, sandbox, state):
    unauthenticated = query(http, sandbox, "SELECT Id FROM Contact", headers={})
    assert unauthenticated.status_code == 401
    assert unauthenticated.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    state.faults.set("salesforce", rate_limit_next=1)
    limited = query(http, sandbox, "SELECT Id FROM Contact")
    assert limited.status_code == 403
    assert limited.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert query(http, sandbox, "SELECT Id FROM Contact").status_code == 200


def test_an_unknown_locator_is_invalid(http, sandbox):
    url = f"{sandbox.base_url('salesforce')}/services/data/v59.0/query/01gNOPE-200"
    response = http.get(url, headers=AUTH)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
