"""The control API under ``/_sandbox`` for tests and demos driving a sandbox from outside
the process (``run_sandbox``): faults, stats, reset, touching records, what was received, and
sending a signed webhook to the hub."""

from __future__ import annotations

from typing import Any

import requests

from connectors.sandbox import webhooks
from connectors.sandbox.http import Request, Response, Router
from connectors.sandbox.state import SandboxState

CONTROL_PREFIX = "/_sandbox"


def control_router() -> Router:
    router = Router()
    routes = (
        ("GET", "", index),
        ("GET", "/stats", stats),
        ("GET", "/faults", faults),
        ("POST", "/faults/{provider}", set_faults),
        ("DELETE", "/faults", clear_faults),
        ("DELETE", "/faults/{provider}", clear_faults),
        ("POST", "/reset", reset),
        ("POST", "/touch/{provider}", touch),
        ("GET", "/requests", recent_requests),
        ("GET", "/received/{provider}", received),
        ("POST", "/webhooks/{provider}", send_webhook),
    )
    for method, path, handler in routes:
        router.add(method, CONTROL_PREFIX + path, handler)
    return router


def index(request: Request, state: SandboxState) -> Response:
    return Response.json({"control": [route.label for route in control_router().routes]})


def stats(request: Request, state: SandboxState) -> Response:
    return Response.json(state.stats())


def faults(request: Request, state: SandboxState) -> Response:
    return Response.json(state.faults.snapshot())


def set_faults(request: Request, state: SandboxState, provider: str) -> Response:
    return Response.json(state.faults.set(provider, **request.json_object()))


def clear_faults(request: Request, state: SandboxState, provider: str | None = None) -> Response:
    state.faults.clear(provider)
    return Response(204)


def reset(request: Request, state: SandboxState) -> Response:
    """Optional body ``{"seed_count": n}``: reseed with ``n`` contacts per CRM from now on."""
    seed_count = request.json_object().get("seed_count") if request.body else None
    state.reset(seed_count)
    return Response(204)


def touch(request: Request, state: SandboxState, provider: str) -> Response:
    count = request.json_object().get("count", 1) if request.body else 1
    if not isinstance(count, int) or count < 1:
        raise ValueError("count must be a whole number >= 1")
    return Response.json({"touched": state.touch(provider, count)})


def recent_requests(request: Request, state: SandboxState) -> Response:
    provider = request.query.get("provider") or None
    return Response.json(
        [
            {
                "provider": r.provider,
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "headers": r.headers,
                "body": r.body.decode("utf-8", "replace"),
            }
            for r in state.requests(provider)
        ]
    )


def received(request: Request, state: SandboxState, provider: str) -> Response:
    return Response.json(state.received(provider))


def send_webhook(request: Request, state: SandboxState, provider: str) -> Response:
    """``{"to": url, "secret": s, "payload": {...} (or "body": raw text), **options}`` ->
    the hub's answer. ``payload`` defaults to the provider's sample event."""
    spec: dict[str, Any] = request.json_object()
    to, secret = spec.pop("to", None), spec.pop("secret", "")
    if not to:
        raise ValueError("'to' (the hub's webhook URL) is required")
    body, payload = spec.pop("body", None), spec.pop("payload", None)
    signed = webhooks.build(
        provider, to, secret, body or payload or webhooks.sample_event(provider), **spec
    )
    try:
        answer = webhooks.send(signed)
    except requests.RequestException as exc:  # the hub is down or refused: say so, don't 500
        return Response.json({"error": f"sending failed: {exc}"}, 502)
    return Response.json({"status": answer.status_code, "body": answer.text[:4096]})
