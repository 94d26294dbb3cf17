"""Each conflict rule on one record both sides changed since the last sync."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm_sync.merge import Sides, merge

EARLY, LATE = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
BASE = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+1-555-0001",
    "company": "Acme",
}


def sides(*, local=None, remote=None, base=BASE, local_modified=EARLY, remote_modified=LATE):
    return Sides(
        base=base,
        local={**BASE, **(local or {})},
        remote={**BASE, **(remote or {})},
        local_modified=local_modified,
        remote_modified=remote_modified,
    )


BOTH_CHANGED_PHONE = {"local": {"phone": "+1-555-LOCAL"}, "remote": {"phone": "+1-555-REMOTE"}}


@pytest.mark.parametrize(
    ("rule", "options", "phone", "held"),
    [
        ("remote_wins", {}, "+1-555-REMOTE", []),
        ("local_wins", {}, "+1-555-LOCAL", []),
        ("last_write_wins", {}, "+1-555-REMOTE", []),  # the remote wrote later
        ("field_owner", {"phone": "local"}, "+1-555-LOCAL", []),
        ("field_owner", {"email": "local"}, "+1-555-REMOTE", []),  # unlisted: remote owns it
        ("non_empty_wins", {}, "+1-555-REMOTE", []),  # both non-empty: last write
        ("manual_review", {}, "+1-555-LOCAL", ["phone"]),  # held for a person
    ],
)
def test_each_rule_settles_a_field_both_sides_changed(rule, options, phone, held):
    merged = merge(sides=sides(**BOTH_CHANGED_PHONE), rule=rule, field_owners=options)
    assert merged.conflicts == ["phone"]
    assert merged.values["phone"] == phone
    assert merged.held == held
    assert merged.needs_push == (phone == "+1-555-LOCAL" and not held)


def test_last_write_wins_keeps_the_later_local_write():
    merged = merge(
        sides=sides(**BOTH_CHANGED_PHONE, local_modified=LATE, remote_modified=EARLY),
        rule="last_write_wins",
        field_owners={},
    )
    assert merged.values["phone"] == "+1-555-LOCAL" and merged.needs_push


def test_non_empty_wins_keeps_the_value_over_a_cleared_field():
    merged = merge(
        sides=sides(
            local={"phone": ""}, remote={"phone": "+1-555-REMOTE"}, base={**BASE, "phone": "old"}
        ),
        rule="non_empty_wins",
        field_owners={},
    )
    assert merged.values["phone"] == "+1-555-REMOTE"


@pytest.mark.parametrize("rule", ["remote_wins", "local_wins", "manual_review"])
def test_changes_to_different_fields_are_both_kept_whatever_the_rule(rule):
    merged = merge(
        sides=sides(local={"phone": "+1-555-LOCAL"}, remote={"company": "Globex"}),
        rule=rule,
        field_owners={},
    )
    assert merged.conflicts == [] and merged.held == []
    assert merged.values["phone"] == "+1-555-LOCAL" and merged.values["company"] == "Globex"
    assert merged.changed == ["company"] and merged.needs_push


def test_only_a_remote_change_is_taken_without_a_push():
    merged = merge(sides=sides(remote={"name": "Ada King"}), rule="local_wins", field_owners={})
    assert merged.values["name"] == "Ada King" and merged.changed == ["name"]
    assert not merged.conflicts and not merged.needs_push


def test_a_first_link_fills_empty_fields_from_either_side():
    merged = merge(
        sides=sides(base=None, local={"phone": ""}, remote={"company": ""}),
        rule="manual_review",
        field_owners={},
    )
    assert merged.values["phone"] == BASE["phone"] and merged.values["company"] == "Acme"
    assert merged.conflicts == [] and merged.needs_push  # the remote lacks the company
