"""Simulated HubSpot CRM v3 contacts over real HTTP: search paging, limits, filters, writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

AUTH = {"Authorization": "Bearer pat-na1-sandbox"}
SINCE_ISO = "2024-01-05T00:30:00.000Z"  # contact 1097 was last modified exactly then


def search(http, sandbox, body, headers=AUTH):
    return http.post(
        f"{sandbox.base_url('hubspot')}/crm/v3/objects/contacts/search", json=body, headers=headers
    )


def modified_since(value, operator="GT", **extra):
    return {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lastmodifieddate", "operator": operator, "value": value}
                ]
            }
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        **extra,
    }


def test_search_pages_past_100_with_after_until_no_paging(http, sandbox):
    seen, after, pages = [], None, 0
    while True:
        body = {"limit": 100, **({"after": after} if after else {})}
        response = search(http, sandbox, body)
        assert response.status_code == 200
        page = response.json()
        assert page["total"] == 250 and len(page["results"]) <= 100
        seen += [r["id"] for r in page["results"]]
        pages += 1
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    assert pages == 3 and len(seen) == len(set(seen)) == 250


def test_search_limit_over_100_is_a_400_validation_error(http, sandbox):
    response = search(http, sandbox, {"limit": 101})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    assert body["correlationId"]


def test_search_beyond_10000_results_is_refused(http, sandbox):
    assert search(http, sandbox, {"limit": 100, "after": "9950"}).status_code == 400


@pytest.mark.parametrize(
    "value", [SINCE_ISO, str(int(datetime(2024, 1, 5, 0, 30, tzinfo=UTC).timestamp() * 1000))]
)
def test_filter_on_lastmodifieddate_takes_iso_or_epoch_millis(http, sandbox, value):
    gt = search(http, sandbox, modified_since(value, "GT", limit=5)).json()
    gte = search(http, sandbox, modified_since(value, "GTE", limit=5)).json()
    assert gt["total"] == 153 and gte["total"] == 154
    assert gte["results"][0]["properties"]["lastmodifieddate"] == SINCE_ISO
    assert gt["results"][0]["properties"]["lastmodifieddate"] > SINCE_ISO


def test_results_have_hubspots_shape_and_asked_properties(http, sandbox):
    body = modified_since(SINCE_ISO, limit=1, properties=["email", "phone"])
    (result,) = search(http, sandbox, body).json()["results"]
    assert set(result) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert set(result["properties"]) == {
        "email",
        "phone",
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
    }
    assert result["properties"]["hs_object_id"] == result["id"]
    assert result["archived"] is False


def test_or_of_groups_and_of_filters(http, sandbox):
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "company", "operator": "EQ", "value": "acme"},
                    {"propertyName": "firstname", "operator": "EQ", "value": "Ada"},
                ]
            },
            {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": "1002"}]},
        ],
        "limit": 100,
    }
    results = search(http, sandbox, body).json()["results"]
    ids = {r["id"] for r in results}
    assert "1002" in ids and "1001" in ids  # 1001 is Ada at Acme
    assert all(r["id"] == "1002" or r["properties"]["firstname"] == "Ada" for r in results)


def test_writes_move_the_contact_past_a_poll_cursor(http, sandbox):
    cursor = search(
        http,
        sandbox,
        modified_since(
            "0",
            "GT",
            limit=1,
            sorts=[{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}],
        ),
    )
    newest = cursor.json()["results"][0]["properties"]["lastmodifieddate"]
    base = f"{sandbox.base_url('hubspot')}/crm/v3/objects/contacts"
    created = http.post(base, json={"properties": {"email": "new@example.com"}}, headers=AUTH)
    assert created.status_code == 201
    updated = http.patch(f"{base}/1001", json={"properties": {"phone": "1"}}, headers=AUTH)
    assert updated.status_code == 200
    changed = search(http, sandbox, modified_since(newest, "GT", limit=10)).json()
    assert {r["id"] for r in changed["results"]} == {created.json()["id"], "1001"}


def test_create_with_a_known_email_is_a_conflict(http, sandbox):
    base = f"{sandbox.base_url('hubspot')}/crm/v3/objects/contacts"
    email = http.get(f"{base}/1001", headers=AUTH).json()["properties"]["email"]
    response = http.post(base, json={"properties": {"email": email.upper()}}, headers=AUTH)
    assert response.status_code == 409
    assert response.json()["message"] == "Contact already exists. Existing ID: 1001"


def test_batch_upsert_by_email_updates_or_creates(http, sandbox, state):
    email = state.hubspot.get("1003").fields["email"]
    inputs = [
        {"idProperty": "email", "id": email, "properties": {"phone": "+47 1"}},
        {"idProperty": "email", "id": "fresh@example.com", "properties": {"firstname": "Fresh"}},
    ]
    response = http.post(
        f"{sandbox.base_url('hubspot')}/crm/v3/objects/contacts/batch/upsert",
        json={"inputs": inputs},
        headers=AUTH,
    )
    assert response.status_code == 200 and response.json()["status"] == "COMPLETE"
    existing, fresh = response.json()["results"]
    assert existing["id"] == "1003" and existing["new"] is False
    assert fresh["new"] is True and state.hubspot.get(fresh["id"]).fields["email"] == (
        "fresh@example.com"
    )
    assert state.hubspot.get("1003").fields["phone"] == "+47 1"


def test_read_by_email_and_unknown_id(http, sandbox, state):
    base = f"{sandbox.base_url('hubspot')}/crm/v3/objects/contacts"
    email = state.hubspot.get("1010").fields["email"]
    found = http.get(f"{base}/{email}", params={"idProperty": "email"}, headers=AUTH)
    assert found.json()["id"] == "1010"
    missing = http.get(f"{base}/999999", headers=AUTH)
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"


def test_list_pages_with_a_full_link(http, sandbox):
    base = f"{sandbox.base_url('hubspot')}/crm/v3/objects/contacts"
    page = http.get(base, params={"limit": 200}, headers=AUTH).json()
    assert len(page["results"]) == 100  # the list endpoint caps at 100
    following = http.get(page["paging"]["next"]["link"], headers=AUTH).json()
    assert following["results"][0]["id"] == "1101"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_missing_or_bad_token_is_401_invalid_authentication(http, sandbox, headers):
    response = search(http, sandbox, {}, headers=headers)
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


def test_rate_limit_answers_hubspots_429_body(http, sandbox, state):
    state.faults.set("hubspot", rate_limit_next=1, retry_after=2)
    limited = search(http, sandbox, {})
    assert limited.status_code == 429
    body = limited.json()
    assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "SECONDLY"
    assert body["message"] == "You have reached your secondly limit."
    assert limited.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "2000"
    assert "Retry-After" not in limited.headers  # HubSpot sends none
    assert search(http, sandbox, {}).status_code == 200
