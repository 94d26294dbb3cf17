"""WhatsApp Business Cloud API: ``POST /<version>/<phone_number_id>/messages``.

Shapes follow Meta's Cloud API reference: a send answers ``{"messaging_product": "whatsapp",
"contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}``; errors are Graph errors
``{"error": {"message", "type": "OAuthException", "code", "fbtrace_id"}}``. Meta's error-code
table gives throttling (130429 rate limit, 131056 pair rate limit) HTTP 400, not 429, so a client
must read ``error.code``; a bad token is a 401 with code 190."""

from __future__ import annotations

import base64
import itertools
import re
import secrets
from typing import Any, ClassVar

from connectors.sandbox.faults import Fault, FaultKind
from connectors.sandbox.http import Request, Response, Router
from connectors.sandbox.providers.base import Provider, require
from connectors.sandbox.state import SandboxState

RATE_LIMIT_CODE = 130429


class WhatsApp(Provider):
    name = "whatsapp"
    token_prefixes = ("EAA",)  # Meta access tokens
    fault_messages: ClassVar = {
        FaultKind.RATE_LIMIT: "Rate limit hit",
        FaultKind.SERVER_ERROR: "Something went wrong",
        FaultKind.CLIENT_ERROR: "Invalid parameter",
    }

    error_codes: ClassVar = {400: 100, 401: 190, 403: 10, 500: 131000, 503: 131016}

    def __init__(self) -> None:
        super().__init__()
        self._sequence = itertools.count(1)

    def register(self, router: Router) -> None:
        router.add("POST", "/{version:v\\d+\\.\\d}/{phone_number_id:\\d+}/messages", self.send)

    def error(self, status, message, code=None, headers=None, details=None) -> Response:
        code = self.code_for(status, code)
        code = int(code) if str(code).isdigit() else self.code_for(status) or 100  # numbers
        error: dict[str, Any] = {
            "message": f"(#{code}) {message}",
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": _trace_id(),
        }
        if details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": details}
        return Response.json({"error": error}, status, headers)

    def unauthorized(self, request: Request) -> Response:
        return self.error(401, "Invalid OAuth access token - Cannot parse access token")

    def rate_limited(self, fault: Fault) -> Response:
        return self.error(
            400,
            self.fault_messages[FaultKind.RATE_LIMIT],
            RATE_LIMIT_CODE,
            details="Cloud API message throughput has been reached.",
        )

    def send(self, request: Request, state: SandboxState, version: str, phone_number_id: str):
        message = request.json_object()
        require(
            message.get("messaging_product") == "whatsapp",
            self,
            400,
            "The parameter messaging_product is required.",
        )
        to = str(message.get("to") or "")
        require(re.fullmatch(r"\+?[\d\s-]{6,20}", to), self, 400, "The parameter to is required.")
        kind = message.get("type", "text")
        content = message.get(kind)
        require(isinstance(content, dict), self, 400, "Required parameter is missing", 131008)
        if kind == "text":
            require(content.get("body"), self, 400, "Required parameter is missing", 131008)
        raw_id = f"sandbox:{phone_number_id}:{next(self._sequence)}".encode()
        sent: dict[str, Any] = {"id": "wamid." + base64.b64encode(raw_id).decode()}
        if kind == "template":
            sent["message_status"] = "accepted"
        state.receive(self.name, {"phone_number_id": phone_number_id, "id": sent["id"], **message})
        return Response.json(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": re.sub(r"\D", "", to)}],
                "messages": [sent],
            }
        )


def _trace_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(9)).decode()
