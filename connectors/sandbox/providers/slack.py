"""Slack Web API: ``chat.postMessage`` (JSON or form body) and ``auth.test``.

As api.slack.com documents: the token is a Bearer header (or a ``token`` form field); errors
are HTTP 200 ``{"ok": false, "error": "channel_not_found" | "invalid_auth" | "not_authed" |
"no_text"}``; rate limiting is HTTP 429 with ``Retry-After`` and ``{"ok": false, "error":
"ratelimited"}``. Channels are ``state.slack_channels``, by id, name or ``#name``."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.sandbox.faults import Fault, FaultKind
from connectors.sandbox.http import Request, Response, Router
from connectors.sandbox.providers.base import Provider
from connectors.sandbox.state import SandboxState

TEAM_ID, USER_ID, BOT_ID = "T0SANDBOX", "U0SANDBOX", "B0SANDBOX"
MAX_TEXT = 40_000


class Slack(Provider):
    name = "slack"
    token_prefixes = ("xoxb-", "xoxp-")
    fault_messages: ClassVar = {
        FaultKind.RATE_LIMIT: "ratelimited",
        FaultKind.SERVER_ERROR: "service_unavailable",
        FaultKind.CLIENT_ERROR: "invalid_arguments",
    }

    error_codes: ClassVar = {401: "invalid_auth", 404: "unknown_method"}

    def register(self, router: Router) -> None:
        router.add("POST", "/api/chat.postMessage", self.post_message)
        router.add("POST", "/api/auth.test", self.auth_test)
        router.add("GET", "/api/auth.test", self.auth_test)

    def error(self, status, message, code=None, headers=None) -> Response:
        # Slack names the error in "error"; the message is only a fallback for the name.
        name = self.code_for(status, code) or message
        return Response.json({"ok": False, "error": str(name)}, status, headers)

    def token(self, request: Request) -> str | None:
        return request.bearer() or (request.form().get("token") if request.is_form() else None)

    def unauthorized(self, request: Request) -> Response:
        return self.ok_false("invalid_auth" if self.token(request) else "not_authed")

    def not_found(self, request: Request) -> Response:
        return self.error(404, "unknown_method")

    def bad_request(self, problem: Exception) -> Response:
        return self.ok_false("invalid_json")

    def on_fault(self, fault: Fault) -> Response:
        if fault.kind is FaultKind.OK_FALSE:
            return self.ok_false(str(fault.code))
        if fault.kind is FaultKind.SERVER_ERROR and fault.status == 500:
            return self.error(500, "fatal_error", fault.code)
        return super().on_fault(fault)

    def ok_false(self, error: str) -> Response:
        return Response.json({"ok": False, "error": error})

    def auth_test(self, request: Request, state: SandboxState) -> Response:
        return Response.json(
            {
                "ok": True,
                "url": "https://sandbox.slack.com/",
                "team": "Sandbox",
                "user": "switchboard",
                "team_id": TEAM_ID,
                "user_id": USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        )

    def post_message(self, request: Request, state: SandboxState) -> Response:
        fields = request.body_fields()
        channel = _channel_id(str(fields.get("channel") or ""), state.slack_channels)
        if channel is None:
            return self.ok_false("channel_not_found")
        text = fields.get("text") or ""
        if not (text or fields.get("blocks") or fields.get("attachments")):
            return self.ok_false("no_text")
        if len(text) > MAX_TEXT:
            return self.ok_false("msg_too_long")
        moment = state.clock.tick()
        ts = f"{int(moment.timestamp())}.{moment.microsecond:06d}"
        message: dict[str, Any] = {
            "user": USER_ID,
            "type": "message",
            "ts": ts,
            "bot_id": BOT_ID,
            "text": text,
            "team": TEAM_ID,
        }
        for optional in ("blocks", "attachments", "thread_ts"):
            if fields.get(optional):
                message[optional] = fields[optional]
        state.receive(self.name, {"channel": channel, **message})
        return Response.json({"ok": True, "channel": channel, "ts": ts, "message": message})


def _channel_id(wanted: str, channels: dict[str, str]) -> str | None:
    name = wanted.removeprefix("#")
    for channel_id, channel_name in channels.items():
        if wanted == channel_id or name == channel_name:
            return channel_id
    return None
