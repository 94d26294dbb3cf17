"""What a job can do. Each app registers its kinds when it starts (web and worker processes
alike), so this module knows none of them and the apps know nothing of how jobs run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from core.jobs.models import Job


@dataclass(frozen=True)
class ChunkOutcome:
    """What applying one chunk did: ``done`` + ``skipped`` + ``failed`` = the chunk's size."""

    done: int
    skipped: int = 0
    failed: int = 0
    error: str = ""  # the last row error, when some failed


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    # Act on these primary keys, inside the chunk's transaction.
    apply: Callable[[Sequence], ChunkOutcome]
    # The rows a job started from parameters acts on (None: every job of the kind is started
    # with its rows, as the admin's actions do).
    select: Callable[[Job], QuerySet] | None = None


_kinds: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    _kinds[kind.name] = kind
    return kind


def get(name: str) -> JobKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"unknown job kind {name!r}") from None


def label(name: str) -> str:
    return _kinds[name].label if name in _kinds else name


def choices() -> list[tuple[str, str]]:
    return sorted(((kind.name, kind.label) for kind in _kinds.values()), key=lambda c: c[1])
