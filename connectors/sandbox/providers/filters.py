"""Conjunctions of ``field op literal`` comparisons, shared by the SOQL ``WHERE`` and the OData
``$filter`` readers: each dialect names its operators, its ``AND`` and how a literal reads."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.sandbox.providers.base import parse_time
from connectors.sandbox.records import Bound

DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)")
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


class FilterError(Exception):
    """A filter the dialect can't read; ``code`` is the provider's error code for it."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # one of COMPARE
    value: Any

    def holds(self, actual: Any) -> bool:
        if self.value is None or actual is None:  # null equals only null, orders with nothing
            equal = self.value is None and actual is None
            return {"eq": equal, "ne": not equal}.get(self.op, False)
        if isinstance(self.value, datetime):
            return COMPARE[self.op](parse_time(actual), self.value)
        if isinstance(self.value, str):  # both CRMs compare text without regard to case
            return COMPARE[self.op](str(actual).casefold(), self.value.casefold())
        return COMPARE[self.op](actual, self.value)


@dataclass(frozen=True)
class Dialect:
    operators: dict[str, str]  # as written -> a COMPARE name
    joint: str  # "AND" / "and"
    literal: Callable[[str], Any]
    field: Callable[[str], str]  # canonical name, or raises FilterError
    code: str  # the provider's error code for a filter it can't read

    def parse(self, text: str) -> list[Condition]:
        ops = "|".join(re.escape(op) for op in sorted(self.operators, key=len, reverse=True))
        condition = re.compile(
            rf"\s*(?P<field>\w+)\s*(?P<op>{ops})\s*(?P<value>'(?:[^'\\]|\\.|'')*'|[^\s']+)\s*"
            rf"(?:{self.joint}\b|$)",
            re.IGNORECASE,
        )
        conditions, position = [], 0
        while position < len(text):
            found = condition.match(text, position)
            if not found:
                rest = text[position:].split() or [text[position:]]
                raise FilterError(f"unexpected token: {rest[0]!r}", self.code)
            op = self.operators[found["op"].lower()]
            value = self.literal(found["value"])
            conditions.append(Condition(self.field(found["field"]), op, value))
            position = found.end()
        return conditions


def plain_literal(token: str) -> Any:
    """Numbers, true/false/null and unquoted date-times, read alike by both dialects."""
    lowered = token.lower()
    if lowered in ("null", "true", "false"):
        return {"null": None, "true": True, "false": False}[lowered]
    if DATETIME.fullmatch(token):
        return parse_time(token)
    return float(token)  # ValueError: the caller's dialect says how that reads


def sort_key(value: Any) -> tuple[bool, Any]:
    """Nulls first, date-time strings as instants, everything else as itself."""
    if isinstance(value, str) and DATETIME.fullmatch(value):
        value = parse_time(value)
    return value is not None, value if value is not None else ""


@dataclass(frozen=True)
class Span:
    """The range of a store's order (its modified time) that a query's comparisons pin."""

    lower: Bound | None = None
    upper: Bound | None = None
    exact: bool = True  # the bounds say all the query asks: no record needs checking one by one


_LOWER = {"gt": False, "ge": True}  # op -> whether the bound is inclusive
_UPPER = {"lt": False, "le": True}


def span(comparisons: Iterable[tuple[str, Any]]) -> Span:
    """Bounds from ``(op, value)`` comparisons on the modified time (op a COMPARE name): the
    first lower and the first upper one; any other makes the span inexact, to be re-checked."""
    lower = upper = None
    exact = True
    for op, value in comparisons:
        if op == "eq" and lower is None and upper is None:
            lower = upper = Bound(value)
        elif op in _LOWER and lower is None:
            lower = Bound(value, _LOWER[op])
        elif op in _UPPER and upper is None:
            upper = Bound(value, _UPPER[op])
        else:
            exact = False
    return Span(lower, upper, exact)


def time_span(conditions: list[Condition], time_fields: set[str]) -> Span:
    """The span of the conditions on ``time_fields``; exact only when there are no others."""
    on_time = [
        (c.op, c.value)
        for c in conditions
        if c.field in time_fields and isinstance(c.value, datetime)
    ]
    found = span(on_time)
    return Span(found.lower, found.upper, found.exact and len(on_time) == len(conditions))
