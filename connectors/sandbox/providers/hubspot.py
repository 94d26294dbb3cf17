"""HubSpot CRM v3 contacts: list, read, create, update, search (``filterGroups``, one sort,
``after`` paging, at most 100 a page and 10,000 in all) and ``batch/upsert`` by ``email``.

Shapes follow developers.hubspot.com: property values are strings; every contact carries
``hs_object_id``, ``createdate`` and ``lastmodifieddate``; errors are
``{"status": "error", "message", "correlationId", "category"}``; a rate limit is a 429 with
``errorType: RATE_LIMIT`` and ``policyName`` and no Retry-After (HubSpot sends none; the window
is in ``X-HubSpot-RateLimit-Interval-Milliseconds``, set from the fault's ``retry_after``)."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from connectors.sandbox.faults import Fault, FaultKind
from connectors.sandbox.http import Request, Response, Router
from connectors.sandbox.providers.base import Provider, Refusal, iso_millis, parse_time, require
from connectors.sandbox.providers.filters import Span, span
from connectors.sandbox.records import Record
from connectors.sandbox.state import SandboxState

CONTACTS = "/crm/v3/objects/contacts"
SEARCH_MAX_LIMIT = 100
SEARCH_MAX_RESULTS = 10_000
TOO_DEEP = "Search results are limited to 10,000; narrow the filter instead of paging deeper"
DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
ALWAYS = ("hs_object_id", "createdate", "lastmodifieddate")
DATE_PROPERTIES = {"createdate", "lastmodifieddate", "hs_lastmodifieddate"}
UNIQUE_PROPERTIES = {"email", "hs_object_id"}
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq,
    "NEQ": operator.ne,
    "GT": operator.gt,
    "GTE": operator.ge,
    "LT": operator.lt,
    "LTE": operator.le,
}
KNOWN_OPERATORS = {*OPERATORS, "HAS_PROPERTY", "NOT_HAS_PROPERTY", "IN", "NOT_IN", "CONTAINS_TOKEN"}
RANGE_OPERATORS = {"EQ": "eq", "GT": "gt", "GTE": "ge", "LT": "lt", "LTE": "le"}  # filters' names


class HubSpot(Provider):
    name = "hubspot"
    token_prefixes = ("pat-",)  # private app tokens
    fault_messages: ClassVar = {
        FaultKind.RATE_LIMIT: "You have reached your secondly limit.",
        FaultKind.SERVER_ERROR: "internal error",
        FaultKind.CLIENT_ERROR: "There was a problem with the request.",
    }

    error_codes: ClassVar = {
        400: "VALIDATION_ERROR",
        401: "INVALID_AUTHENTICATION",
        404: "OBJECT_NOT_FOUND",
        409: "CONFLICT",
        500: "INTERNAL_ERROR",
    }

    def register(self, router: Router) -> None:
        router.add("GET", CONTACTS, self.list_contacts)
        router.add("POST", CONTACTS, self.create_contact)
        router.add("POST", CONTACTS + "/search", self.search)
        router.add("POST", CONTACTS + "/batch/upsert", self.batch_upsert)
        router.add("GET", CONTACTS + "/{contact_id}", self.get_contact)
        router.add("PATCH", CONTACTS + "/{contact_id}", self.update_contact)

    def error(self, status, message, code=None, headers=None) -> Response:
        body = {
            "status": "error",
            "message": message,
            "correlationId": str(uuid.uuid4()),
            "category": self.code_for(status, code),
        }
        return Response.json(body, status, headers)

    def unauthorized(self, request: Request) -> Response:
        return self.error(
            401,
            "Authentication credentials not found. This API supports OAuth "
            "2.0 authentication and you can find more details at "
            "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        )

    def rate_limited(self, fault: Fault) -> Response:
        body = {
            "status": "error",
            "message": self.fault_messages[FaultKind.RATE_LIMIT],
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": "SECONDLY",
            "requestId": uuid.uuid4().hex,
        }
        headers = {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(fault.retry_after * 1000),
            "X-HubSpot-RateLimit-Secondly-Remaining": "0",
            "X-HubSpot-RateLimit-Remaining": "0",
        }
        return Response.json(body, 429, headers)

    # Reads -------------------------------------------------------------------------------

    def list_contacts(self, request: Request, state: SandboxState) -> Response:
        limit = min(_int(request.query.get("limit", "10"), self, "limit"), SEARCH_MAX_LIMIT)
        after = _int(request.query.get("after", "0"), self, "after")
        properties = _csv(request.query.get("properties"))
        records = sorted(state.hubspot.all(), key=lambda r: int(r.id))
        page = records[after : after + limit]
        body: dict[str, Any] = {"results": [render(r, properties) for r in page]}
        if after + limit < len(records):
            link = f"{request.base_url}{CONTACTS}?limit={limit}&after={after + limit}"
            body["paging"] = {"next": {"after": str(after + limit), "link": link}}
        return Response.json(body)

    def get_contact(self, request: Request, state: SandboxState, contact_id: str) -> Response:
        record = self._find(state, contact_id, request.query.get("idProperty"))
        return Response.json(render(record, _csv(request.query.get("properties"))))

    def search(self, request: Request, state: SandboxState) -> Response:
        query = request.json_object()
        limit = _int(query.get("limit", 10), self, "limit")
        after = _int(query.get("after") or 0, self, "after")
        problem = f"limit must be 1 to {SEARCH_MAX_LIMIT} and after >= 0, not {limit}, {after}"
        require(0 < limit <= SEARCH_MAX_LIMIT and after >= 0, self, 400, problem)
        require(after + limit <= SEARCH_MAX_RESULTS, self, 400, TOO_DEEP)
        groups = query.get("filterGroups") or []
        require(isinstance(groups, list), self, 400, "filterGroups must be a list")
        total, page = self._find_page(state, groups, query.get("sorts") or [], after, limit)
        body: dict[str, Any] = {
            "total": total,
            "results": [render(r, query.get("properties") or None) for r in page],
        }
        if after + limit < total:
            body["paging"] = {
                "next": {"after": str(after + limit), "link": f"?after={after + limit}"}
            }
        return Response.json(body)

    def _find_page(self, state, groups, sorts, after: int, limit: int) -> tuple[int, list[Record]]:
        """(total, the page). A poll's search (by lastmodifieddate, ascending) is a range of the
        store's order; any other search filters and sorts every record."""
        found = _modified_span(groups, sorts)
        if found is None:
            matches = [r for r in state.hubspot.all() if self._matches(_properties(r), groups)]
            matches.sort(**self._sort_key(sorts))
            return len(matches), matches[after : after + limit]
        selection = state.hubspot.select(
            lower=found.lower,
            upper=found.upper,
            where=None if found.exact else (lambda r: self._matches(_properties(r), groups)),
            offset=after,
            limit=limit,
            count=True,
        )
        return selection.total or 0, selection.records

    def _matches(self, properties: dict[str, Any], groups: list[dict[str, Any]]) -> bool:
        # Groups are ORed, the filters inside one group ANDed; no groups match everything.
        return not groups or any(
            all(self._passes(properties, f) for f in group.get("filters", [])) for group in groups
        )

    def _passes(self, properties: dict[str, Any], rule: dict[str, Any]) -> bool:
        name, op = rule.get("propertyName"), rule.get("operator", "EQ")
        actual = properties.get(name)
        if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
            return (actual not in (None, "")) == (op == "HAS_PROPERTY")
        if op in ("IN", "NOT_IN"):
            wanted = {str(v).casefold() for v in rule.get("values", [])}
            return (str(actual).casefold() in wanted) == (op == "IN")
        if op == "CONTAINS_TOKEN":
            token = str(rule.get("value", "")).strip("*").casefold()
            return actual is not None and token in str(actual).casefold()
        require(op in OPERATORS, self, 400, f"Unknown filter operator {op!r}")
        if actual is None:
            return op == "NEQ"
        try:
            return OPERATORS[op](*_comparable(name, actual, rule.get("value")))
        except ValueError as exc:
            raise Refusal(self.error(400, f"Invalid value for {name}: {exc}")) from exc

    def _sort_key(self, sorts: list[Any]) -> dict[str, Any]:
        if not sorts:
            return {"key": lambda r: int(r.id)}
        first = sorts[0]
        name = first if isinstance(first, str) else first.get("propertyName")
        descending = isinstance(first, dict) and first.get("direction") == "DESCENDING"
        if isinstance(first, str) and name.startswith("-"):
            name, descending = name[1:], True

        def key(record: Record) -> tuple[Any, int]:
            value = _properties(record).get(name)
            ordered = parse_time(value) if name in DATE_PROPERTIES else str(value or "")
            return ordered, int(record.id)

        return {"key": key, "reverse": descending}

    # Writes ------------------------------------------------------------------------------

    def create_contact(self, request: Request, state: SandboxState) -> Response:
        properties = _strings(request.json_object().get("properties"), self)
        email = properties.get("email")
        existing = state.hubspot.find("email", email) if email else []
        require(
            not existing,
            self,
            409,
            f"Contact already exists. Existing ID: {existing[0].id if existing else ''}",
        )
        return Response.json(render(state.hubspot.create(properties), list(properties)), 201)

    def update_contact(self, request: Request, state: SandboxState, contact_id: str) -> Response:
        properties = _strings(request.json_object().get("properties"), self)
        record = self._find(state, contact_id, request.query.get("idProperty"))
        return Response.json(render(state.hubspot.update(record.id, properties), list(properties)))

    def batch_upsert(self, request: Request, state: SandboxState) -> Response:
        inputs = request.json_object().get("inputs")
        require(
            isinstance(inputs, list) and 0 < len(inputs) <= 100,
            self,
            400,
            "inputs must be a list of 1 to 100 objects",
        )
        started, results = iso_millis(state.clock.tick()), []
        for item in inputs:
            id_property = item.get("idProperty") or "hs_object_id"
            require(
                id_property in UNIQUE_PROPERTIES,
                self,
                400,
                f"{id_property} is not a unique identifier property",
            )
            properties = _strings(item.get("properties"), self)
            found = self._lookup(state, str(item.get("id", "")), id_property)
            if found:
                record = state.hubspot.update(found.id, properties)
            else:
                seed = {"email": str(item["id"])} if id_property == "email" else {}
                record = state.hubspot.create({**seed, **properties})
            rendered = render(record, list(properties))
            results.append({**rendered, "new": found is None})
        body = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": started,
            "completedAt": iso_millis(state.clock.tick()),
        }
        return Response.json(body)

    def _lookup(self, state: SandboxState, value: str, id_property: str | None) -> Record | None:
        if id_property in (None, "hs_object_id"):
            return state.hubspot.get(value)
        found = state.hubspot.find(id_property, value)
        return found[0] if found else None

    def _find(self, state: SandboxState, value: str, id_property: str | None) -> Record:
        record = self._lookup(state, value, id_property)
        require(record, self, 404, "resource not found")
        return record


def _modified_span(groups: list[Any], sorts: list[Any]) -> Span | None:
    """The range of lastmodifieddate a search asks for when it sorts by it ascending and has at
    most one filter group whose operators are all known (else None: the full path answers)."""
    first = sorts[0] if sorts else None
    ascending = first == "lastmodifieddate" or (
        isinstance(first, dict)
        and first.get("propertyName") == "lastmodifieddate"
        and first.get("direction") != "DESCENDING"
    )
    if not ascending or len(groups) > 1 or not all(isinstance(g, dict) for g in groups):
        return None
    rules = groups[0].get("filters", []) if groups else []
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        return None
    on_time = []
    for rule in rules:
        op = rule.get("operator", "EQ")
        if op not in KNOWN_OPERATORS:
            return None
        if rule.get("propertyName") == "lastmodifieddate" and op in RANGE_OPERATORS:
            try:
                on_time.append((RANGE_OPERATORS[op], parse_time(rule.get("value"))))
            except (ValueError, TypeError, OverflowError, OSError):
                return None
    found = span(on_time)
    return Span(found.lower, found.upper, found.exact and len(on_time) == len(rules))


def render(record: Record, properties: list[str] | None = None) -> dict[str, Any]:
    """A contact as HubSpot returns it: the asked-for properties (null when unset) beside the
    three it always includes, or its default six when none were asked for."""
    values = _properties(record)
    wanted = [*ALWAYS, *properties] if properties else list(DEFAULT_PROPERTIES)
    return {
        "id": record.id,
        "properties": {name: values.get(name) for name in dict.fromkeys(wanted)},
        "createdAt": iso_millis(record.created),
        "updatedAt": iso_millis(record.modified),
        "archived": False,
    }


def _properties(record: Record) -> dict[str, Any]:
    return {
        **record.fields,
        "hs_object_id": record.id,
        "createdate": iso_millis(record.created),
        "lastmodifieddate": iso_millis(record.modified),
    }


def _comparable(name: str | None, actual: Any, wanted: Any) -> tuple[Any, Any]:
    if name in DATE_PROPERTIES:  # a value may be epoch milliseconds or ISO 8601
        return parse_time(actual), parse_time(wanted)
    try:
        return float(actual), float(wanted)
    except (TypeError, ValueError):
        return str(actual).casefold(), str(wanted).casefold()


def _strings(properties: Any, provider: Provider) -> dict[str, str | None]:
    require(isinstance(properties, dict), provider, 400, "properties must be an object")
    return {k: None if v is None else str(v) for k, v in properties.items()}


def _int(value: Any, provider: Provider, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Refusal(provider.error(400, f"{name} must be a whole number")) from None


def _csv(value: str | None) -> list[str] | None:
    return [p for p in value.split(",") if p] if value else None
