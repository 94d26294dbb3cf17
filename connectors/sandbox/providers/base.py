"""What every simulated provider shares: its routes, its token check, and one ``error()`` that
speaks the provider's own error shape, from which rate limits, 5xx bursts and client errors
are all built."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any, ClassVar

from connectors.sandbox.faults import Fault, FaultKind
from connectors.sandbox.http import BadRequest, Request, Response, Router
from connectors.sandbox.state import SandboxState


class Refusal(Exception):
    """Raised by a handler to answer with ``response`` (an error in the provider's shape)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


class Provider(ABC):
    name: ClassVar[str]
    token_prefixes: ClassVar[tuple[str, ...]] = ()
    requires_auth: ClassVar[bool] = True
    # The provider's error code by HTTP status; 400 and 500 stand for any other 4xx and 5xx.
    error_codes: ClassVar[dict[int, str | int]] = {}
    fault_messages: ClassVar[dict[FaultKind, str]] = {
        FaultKind.RATE_LIMIT: "Rate limit exceeded",
        FaultKind.SERVER_ERROR: "Service unavailable",
        FaultKind.CLIENT_ERROR: "Bad request",
    }

    def __init__(self) -> None:
        self.router = Router()
        self.register(self.router)

    @abstractmethod
    def register(self, router: Router) -> None:
        """Add this provider's routes."""

    @abstractmethod
    def error(
        self,
        status: int,
        message: str,
        code: str | int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """An error response exactly as this provider shapes it."""

    def code_for(self, status: int, code: str | int | None = None) -> str | int | None:
        """``code`` when the caller (or a fault's ``error_code``) named one, else the default."""
        return code or self.error_codes.get(status) or self.error_codes.get(status // 100 * 100)

    def token(self, request: Request) -> str | None:
        return request.bearer()

    def authorized(self, request: Request, state: SandboxState) -> bool:
        return state.accepts_token(self.name, self.token(request), self.token_prefixes)

    def unauthorized(self, request: Request) -> Response:
        return self.error(401, "Authentication credentials not found or invalid")

    def not_found(self, request: Request) -> Response:
        return self.error(404, f"No such resource: {request.method} {request.path}")

    def bad_request(self, problem: BadRequest) -> Response:
        return self.error(400, str(problem))

    def rate_limited(self, fault: Fault) -> Response:
        message = self.fault_messages[FaultKind.RATE_LIMIT]
        return self.error(429, message, headers={"Retry-After": str(fault.retry_after)})

    def on_fault(self, fault: Fault) -> Response:
        if fault.kind is FaultKind.RATE_LIMIT:
            return self.rate_limited(fault)
        if fault.kind is FaultKind.OK_FALSE:
            # Only Slack answers 200 with ok=false; elsewhere it is a 400 with that code.
            return self.error(400, self.fault_messages[FaultKind.CLIENT_ERROR], fault.code)
        return self.error(fault.status, self.fault_messages[fault.kind], fault.code)


def require(condition: Any, provider: Provider, status: int, message: str, code: Any = None):
    """Refuse with the provider's error unless ``condition`` holds."""
    if not condition:
        raise Refusal(provider.error(status, message, code))


def parse_time(value: Any) -> datetime:
    """ISO 8601 (``Z``, ``+00:00`` or ``+0000``) or epoch milliseconds, as an aware datetime."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a date-time: {value!r}")
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_millis(moment: datetime, zone: str = "Z") -> str:
    """``2024-01-01T00:30:00.000Z`` (HubSpot) or with ``zone="+0000"`` (Salesforce)."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}{zone}"
    )


def iso_seconds(moment: datetime) -> str:
    """``2024-01-01T00:30:00Z`` (Dynamics)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
