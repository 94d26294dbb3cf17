"""Three-way merge of one record: what both sides agreed on at the last sync (the base), the
local client and the remote record. A side changed a field when its value differs from the
base; a conflict is a field both sides changed to different values, settled by the
connection's rule. Changes to different fields never conflict: both are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm_sync.models import ConflictRule


@dataclass(frozen=True)
class Merged:
    values: dict[str, str]  # the local client's values after the sync
    changed: list[str]  # local fields that change
    conflicts: list[str]  # fields both sides changed
    held: list[str]  # conflicting fields kept local until a person decides (manual_review)
    needs_push: bool  # the result differs from the remote: the provider must hear of it


@dataclass(frozen=True)
class Sides:
    base: dict[str, str] | None  # None: never synced with this record before
    local: dict[str, str]
    remote: dict[str, str]  # only the fields this provider keeps
    local_modified: datetime | None
    remote_modified: datetime | None


def merge(*, sides: Sides, rule: str, field_owners: dict[str, str]) -> Merged:
    values, conflicts, held = dict(sides.local), [], []
    for name, remote in sides.remote.items():
        local = sides.local.get(name, "")
        if local == remote:
            continue
        if _changed_only_remotely(sides, name):
            values[name] = remote
        elif not _changed_only_locally(sides, name):
            conflicts.append(name)
            winner = _settle(
                name, local=local, remote=remote, rule=rule, sides=sides, owners=field_owners
            )
            if winner is None:
                held.append(name)
            else:
                values[name] = winner
    return Merged(
        values=values,
        changed=[n for n in values if values[n] != sides.local.get(n, "")],
        conflicts=conflicts,
        held=held,
        needs_push=any(values.get(n, "") != v for n, v in sides.remote.items() if n not in held),
    )


def _changed_only_remotely(sides: Sides, name: str) -> bool:
    if sides.base is None:  # first link: the remote fills what the client lacks
        return sides.local.get(name, "") == ""
    return sides.local.get(name, "") == sides.base.get(name, "")


def _changed_only_locally(sides: Sides, name: str) -> bool:
    if sides.base is None:
        return sides.remote.get(name, "") == ""
    return sides.remote.get(name, "") == sides.base.get(name, "")


def _settle(
    name: str, *, local: str, remote: str, rule: str, sides: Sides, owners: dict[str, str]
) -> str | None:
    """The winning value, or None when a person decides."""
    if rule == ConflictRule.LOCAL_WINS:
        return local
    if rule == ConflictRule.LAST_WRITE_WINS:
        return _last_write(local=local, remote=remote, sides=sides)
    if rule == ConflictRule.FIELD_OWNER:
        return local if owners.get(name) == "local" else remote
    if rule == ConflictRule.NON_EMPTY_WINS:
        if not local or not remote:
            return local or remote
        return _last_write(local=local, remote=remote, sides=sides)
    if rule == ConflictRule.MANUAL_REVIEW:
        return None
    return remote


def _last_write(*, local: str, remote: str, sides: Sides) -> str:
    if sides.local_modified is None or sides.remote_modified is None:
        return remote
    return remote if sides.remote_modified >= sides.local_modified else local
