"""Refusals of the connector services; the API maps each to a clear 4xx."""


class ConnectorError(ValueError):
    """Base for errors caused by the caller's input."""

    field: str = "non_field_errors"


class UnknownConnector(ConnectorError):
    field = "connector"

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown connector {code!r}")


class MissingField(ConnectorError):
    def __init__(self, section: str, name: str) -> None:
        super().__init__(f"{name} is required")
        self.field = f"{section}.{name}"


class UnexpectedField(ConnectorError):
    def __init__(self, section: str, name: str) -> None:
        super().__init__(f"{name} is not a field of this connector")
        self.field = f"{section}.{name}"


class UnknownCapability(ConnectorError):
    field = "capability"

    def __init__(self, connector: str, capability: str) -> None:
        super().__init__(f"{connector} has no capability {capability!r}")
        self.capability = capability


class IdempotencyKeyReused(ConnectorError):
    """The key was used before with another request: 422."""

    field = "Idempotency-Key"

    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was already used with a different request")


class CallInProgress(ConnectorError):
    """The first call with this key hasn't finished: 409."""

    field = "Idempotency-Key"

    def __init__(self) -> None:
        super().__init__("a call with this Idempotency-Key is still in progress")


class ConnectionDisabled(ConnectorError):
    """The connection is disabled: nothing is sent through it until it is enabled (409)."""

    field = "connection"

    def __init__(self) -> None:
        super().__init__("the connection is disabled; enable it to make calls")
