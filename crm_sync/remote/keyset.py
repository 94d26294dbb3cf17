"""Keyset paging over "modified since", shared by the three CRMs.

A poll's position is ``since`` (the newest modified time committed so far) and ``seen`` (the ids
committed AT that exact time). The next page asks for everything modified at or after ``since``,
in (modified, id) order, and drops what ``seen`` names. Why this and not the CRMs' own paging
tokens: HubSpot's ``after`` and the sandbox's Dynamics ``$skiptoken`` are offsets into a live
result set, so a record changed between two pages moves to the end and shifts the others one
place down, and the one that slides past the offset is never seen. A keyset restarts from
``since`` every page, so a record changed mid-backfill is simply found again later, a crash after
page k resumes from exactly what page k committed, and ``seen`` keeps the overlap at ``since``
from coming back as duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_sync.remote.base import RemoteContact, RemoteError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Keyset:
    since: datetime | None = None  # None: from the beginning (a full backfill)
    seen: frozenset[str] = frozenset()  # ids already committed whose modified time is ``since``

    @classmethod
    def from_cursor(cls, cursor: Mapping[str, Any]) -> Keyset:
        since = cursor.get("since")
        try:
            moment = parse_time(since) if since else None
        except RemoteError:
            raise ValueError(f"cursor 'since' is not a date-time: {since!r}") from None
        return cls(moment, frozenset(str(i) for i in cursor.get("seen") or ()))

    def as_cursor(self) -> dict[str, Any]:
        return {"since": self.since.isoformat() if self.since else None, "seen": sorted(self.seen)}

    def is_new(self, contact: RemoteContact) -> bool:
        if self.since is None or contact.modified_at > self.since:
            return True
        return contact.modified_at == self.since and contact.external_id not in self.seen

    def fresh(self, contacts: Iterable[RemoteContact]) -> list[RemoteContact]:
        """The contacts not committed yet (a page re-reads those at ``since``)."""
        return [c for c in contacts if self.is_new(c)]

    def advance(self, contacts: list[RemoteContact]) -> Keyset:
        """The position once ``contacts`` (one page, in modified order) are committed. Safe to
        move ``since`` to the page's newest time because the page held everything older than
        that; of the rows AT that time it may hold only some, so their ids go in ``seen``."""
        newest = max((c.modified_at for c in contacts), default=None)
        if newest is None or (self.since is not None and newest < self.since):
            return self
        at_newest = {c.external_id for c in contacts if c.modified_at == newest}
        if newest == self.since:
            return Keyset(newest, self.seen | at_newest)
        return Keyset(newest, frozenset(at_newest))

    def only_at_since(self, contacts: list[RemoteContact]) -> bool:
        """Whether a page is all one timestamp, ``since``: then a keyset on time alone can't get
        past it (the next page would be the same rows), and the provider pages inside it."""
        return bool(contacts) and all(c.modified_at == self.since for c in contacts)


def parse_time(value: Any) -> datetime:
    """ISO 8601 (``Z``, ``+00:00`` or ``+0000``) or epoch milliseconds, as an aware UTC time."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
            return _EPOCH + timedelta(milliseconds=int(value))
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError, OverflowError):
        raise RemoteError(f"not a date-time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def epoch_millis(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)
