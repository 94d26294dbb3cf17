"""Zapier "Webhooks by Zapier" catch hooks: ``/hooks/catch/<account>/<hook>/`` takes any body
(JSON, form or raw) and query parameters, needs no token (the URL is the secret) and answers
200 ``{"attempt", "id", "request_id", "status": "success"}``."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from connectors.sandbox.faults import FaultKind
from connectors.sandbox.http import BadRequest, Request, Response, Router
from connectors.sandbox.providers.base import Provider
from connectors.sandbox.state import SandboxState

HOOK = "/hooks/catch/{account:\\d+}/{hook:\\w+}/?"


class Zapier(Provider):
    name = "zapier"
    requires_auth = False
    fault_messages: ClassVar = {
        FaultKind.RATE_LIMIT: "Too many requests. Please slow down.",
        FaultKind.SERVER_ERROR: "Service unavailable",
        FaultKind.CLIENT_ERROR: "Bad request",
    }

    def register(self, router: Router) -> None:
        for method in ("GET", "POST", "PUT"):
            router.add(method, HOOK, self.catch)

    def error(self, status, message, code=None, headers=None) -> Response:
        body: dict[str, Any] = {"status": "error", "message": message}
        if code:
            body["code"] = code
        return Response.json(body, status, headers)

    def catch(self, request: Request, state: SandboxState, account: str, hook: str) -> Response:
        if request.is_form():
            payload: Any = request.form()
        else:
            try:
                payload = request.json() if request.body else {}
            except BadRequest:  # not JSON: Zapier keeps it as raw text
                payload = request.body.decode("utf-8", "replace")
        if isinstance(payload, dict):  # Zapier folds query parameters into the payload
            payload = {**request.query, **payload}
        attempt = str(uuid.uuid4())
        state.receive(
            self.name,
            {
                "account": account,
                "hook": hook,
                "attempt": attempt,
                "method": request.method,
                "payload": payload,
            },
        )
        return Response.json(
            {"attempt": attempt, "id": attempt, "request_id": attempt, "status": "success"}
        )
