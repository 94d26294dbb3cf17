"""The sandbox's few HTTP pieces: a request read once from the WSGI environ, a response, and a
regex router. Written here rather than pulled from a framework so the sandbox imports nothing
beyond the standard library and starts in milliseconds inside any test."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs


class BadRequest(Exception):
    """A body the handler can't read; the app answers 400 in the provider's error shape."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # below the provider prefix: "/crm/v3/objects/contacts"
    query_string: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    host_url: str  # "http://127.0.0.1:8900"
    prefix: str = ""  # "/hubspot"

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        # PATH_INFO arrives latin-1 decoded (PEP 3333); re-decode so non-ASCII ids survive.
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        return cls(
            method=environ["REQUEST_METHOD"].upper(),
            path=path or "/",
            query_string=environ.get("QUERY_STRING", ""),
            headers=headers,
            body=body,
            host_url=f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
        )

    def below(self, prefix: str) -> Request:
        """The same request as a provider sees it, with its "/<provider>" prefix removed."""
        return replace(self, path=self.path[len(prefix) :] or "/", prefix=self.prefix + prefix)

    @property
    def base_url(self) -> str:
        """Where this provider lives: what a connection's ``base_url`` points at."""
        return self.host_url + self.prefix

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.query_string, keep_blank_values=True).items()}

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def bearer(self) -> str | None:
        scheme, _, token = self.header("authorization").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None

    def is_form(self) -> bool:
        return self.header("content-type").startswith("application/x-www-form-urlencoded")

    def form(self) -> dict[str, str]:
        pairs = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in pairs.items()}

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"Invalid JSON body: {exc}") from exc

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object")
        return data

    def body_fields(self) -> dict[str, Any]:
        """JSON object or form fields, whichever the body is; {} for anything else."""
        if self.is_form():
            return self.form()
        try:
            data = json.loads(self.body) if self.body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(data, separators=(",", ":")).encode()
        return cls(status, body, {"Content-Type": "application/json", **(headers or {})})

    @classmethod
    def text(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})

    def status_line(self) -> str:
        try:
            return f"{self.status} {HTTPStatus(self.status).phrase}"
        except ValueError:
            return f"{self.status} Unknown"

    def wsgi_headers(self) -> list[tuple[str, str]]:
        return [*self.headers.items(), ("Content-Length", str(len(self.body)))]


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    label: str  # what stats count under: "POST /crm/v3/objects/contacts/search"


class Router:
    """Routes are ``(method, path pattern)``; ``{name}`` matches one segment, ``{name:.+}``
    anything; named values reach the handler as keyword arguments."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, path: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+)(?::([^}]+))?\}", lambda m: f"(?P<{m[1]}>{m[2] or '[^/]+'})", path)
        readable = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path).replace("\\", "").replace("/?", "/")
        self.routes.append(Route(method, re.compile(regex), handler, f"{method} {readable}"))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route and its path values; a path known under another method answers 405."""
        allowed = False
        for route in self.routes:
            found = route.pattern.fullmatch(path)
            if found and route.method == method:
                return route, found.groupdict()
            allowed = allowed or bool(found)
        if allowed:
            return _METHOD_NOT_ALLOWED, {}
        return None


def _method_not_allowed(request: Request, *_args: Any, **_kwargs: Any) -> Response:
    return Response.json({"error": f"{request.method} is not allowed here"}, 405)


_METHOD_NOT_ALLOWED = Route("*", re.compile(""), _method_not_allowed, "405")
