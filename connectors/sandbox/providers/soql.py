"""Just enough SOQL for polling: ``SELECT f, ... FROM Contact [WHERE f op literal [AND ...]]
[ORDER BY f [ASC|DESC], ...] [LIMIT n]``. Literals: quoted strings, numbers, true/false/null and
unquoted date-times (``2024-01-01T00:00:00Z``, ``...000+0000``). A ``+`` that was not
URL-encoded arrives as a space and is a MALFORMED_QUERY, as on Salesforce."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.sandbox.providers.filters import Condition, Dialect, FilterError, plain_literal

_QUERY = re.compile(
    r"\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<sobject>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*",
    re.IGNORECASE | re.DOTALL,
)
_OPERATORS = {"=": "eq", "!=": "ne", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
SoqlError = FilterError


@dataclass(frozen=True)
class Query:
    fields: list[str]
    sobject: str
    conditions: list[Condition]
    order: list[tuple[str, bool]]  # (field, descending)
    limit: int | None

    def matches(self, data: dict[str, Any]) -> bool:
        return all(c.holds(data.get(c.field)) for c in self.conditions)


def parse_soql(
    text: str, field_name: Callable[[str], str | None], datetime_fields: set[str]
) -> Query:
    found = _QUERY.fullmatch(text)
    if not found:
        raise SoqlError(f"unexpected token in query: {text[:80]!r}", "MALFORMED_QUERY")
    sobject = found["sobject"]

    def field(name: str) -> str:
        canonical = field_name(name)
        if not canonical:
            raise SoqlError(
                f"No such column '{name}' on entity '{sobject}'. If you are attempting to use "
                "a custom field, be sure to append the '__c' after the custom field name.",
                "INVALID_FIELD",
            )
        return canonical

    dialect = Dialect(_OPERATORS, "AND", _literal, field, "MALFORMED_QUERY")
    conditions = dialect.parse(found["where"] or "")
    for condition in conditions:
        if condition.field in datetime_fields and not isinstance(condition.value, datetime | None):
            raise SoqlError(
                f"value of filter criterion for field '{condition.field}' must be of type "
                "dateTime and should not be enclosed in quotes",
                "INVALID_FIELD",
            )
    order = []
    for part in found["order"].split(",") if found["order"] else []:
        name, *direction = part.split()
        if direction and direction[0].upper() not in ("ASC", "DESC"):
            raise SoqlError(f"unexpected token: {direction[0]!r}", "MALFORMED_QUERY")
        order.append((field(name), bool(direction) and direction[0].upper() == "DESC"))
    fields = [field(name.strip()) for name in found["fields"].split(",")]
    limit = int(found["limit"]) if found["limit"] else None
    return Query(fields, sobject, conditions, order, limit)


def _literal(token: str) -> Any:
    if token.startswith("'"):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    try:
        return plain_literal(token)
    except ValueError:
        raise SoqlError(f"unexpected token: {token!r}", "MALFORMED_QUERY") from None
