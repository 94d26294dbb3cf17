"""The sandbox as one WSGI application: ``/<provider>/...`` serves that provider's simulated API
(so a connection's ``base_url`` is ``http://host:port/<provider>``) and ``/_sandbox/...`` is the
control API (faults, stats, reset). Every provider request is counted, then suffers its fault
plan (latency, then at most one injected error), then the token check, then the handler."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from connectors.sandbox.control import CONTROL_PREFIX, control_router
from connectors.sandbox.http import BadRequest, Request, Response, Route, Router
from connectors.sandbox.providers import build_providers
from connectors.sandbox.providers.base import Provider, Refusal
from connectors.sandbox.state import SandboxState

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def make_app(state: SandboxState) -> WSGIApp:
    providers = build_providers()
    control = control_router()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        try:
            response = _dispatch(request, state, providers, control)
        except Exception as exc:  # a sandbox bug: say so plainly rather than hang the client
            traceback.print_exc(file=sys.stderr)
            response = Response.text(f"sandbox error: {exc!r}", 500)
        start_response(response.status_line(), response.wsgi_headers())
        return [response.body]

    return app


def _dispatch(
    request: Request, state: SandboxState, providers: dict[str, Provider], control: Router
) -> Response:
    head = request.path.strip("/").split("/", 1)[0]
    if head in providers:
        return _serve(providers[head], request.below("/" + head), state)
    if head == CONTROL_PREFIX.strip("/"):
        found = control.match(request.method, request.path)
        if found:
            route, params = found
            return _call(route, request, state, params, on_bad=_control_error)
    if request.path == "/":
        return Response.json(
            {
                "providers": {name: f"{request.host_url}/{name}" for name in providers},
                "control": request.host_url + CONTROL_PREFIX,
            }
        )
    return Response.json({"error": f"no such path: {request.path}"}, 404)


def _serve(provider: Provider, request: Request, state: SandboxState) -> Response:
    found = provider.router.match(request.method, request.path)
    endpoint = found[0].label if found else f"{request.method} {request.path}"
    state.count_request(provider.name, endpoint, request)
    delay, fault = state.faults.consume(provider.name)
    if delay:
        time.sleep(delay)
    if fault:
        response = provider.on_fault(fault)
    elif provider.requires_auth and not provider.authorized(request, state):
        response = provider.unauthorized(request)
    elif not found:
        response = provider.not_found(request)
    else:
        response = _call(found[0], request, state, found[1], on_bad=provider.bad_request)
    state.count_status(provider.name, response.status)
    return response


def _call(
    route: Route,
    request: Request,
    state: SandboxState,
    params: dict[str, str],
    on_bad: Callable[[Exception], Response],
) -> Response:
    try:
        return route.handler(request, state, **params)
    except Refusal as refusal:
        return refusal.response
    except (BadRequest, ValueError) as exc:
        return on_bad(exc)


def _control_error(problem: Exception) -> Response:
    return Response.json({"error": str(problem)}, 400)
