"""A lean WSGI path for the receive hot path, ``POST /webhooks/<uuid>``.

Profiled under load, Django's full stack cost more than verifying and storing the webhook:
WhiteNoise, sessions, CSRF, auth and messages middleware that do nothing for a provider's
POST, the URL resolver walking every app's patterns, and the request signals, whose
``close_old_connections`` makes each request's first query a ``SELECT 1`` health check (a
round trip as dear as the insert).

This path still runs Django's own handler code (``BaseHandler``: view middleware, exception
handling and its JSON 500, 4xx logging) and the same view that the URLconf names, with the
remaining middleware in ``settings.MIDDLEWARE`` order, so status codes, bodies and headers
are those of the full stack. A request without a query string goes further, past Django's
handler too, while the remaining middleware are ones ``direct.py`` replicates. Every other
request goes to the full stack unchanged.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIRequest, get_path_info, get_script_name
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest
from django.urls import ResolverMatch, resolve, set_script_prefix
from django.urls.converters import UUIDConverter
from django.utils.module_loading import import_string

from webhooks.inbound.answering import count_response
from webhooks.inbound.direct import DirectReceive, static_headers

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
RECEIVE_PATH = re.compile(rf"/webhooks/(?P<registration_id>{UUIDConverter.regex})")

# Middleware with nothing to do for a provider's POST to a webhook URL.
SKIPPED_MIDDLEWARE = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",  # serves static files only
        "django.contrib.sessions.middleware.SessionMiddleware",  # providers have no session
        "django.contrib.auth.middleware.AuthenticationMiddleware",  # nor a user
        "django.contrib.messages.middleware.MessageMiddleware",  # no messages in JSON
        "django.middleware.csrf.CsrfViewMiddleware",  # the view is csrf_exempt
        # Its slash redirects don't apply to a matched URL; the host check and the
        # Content-Length it adds are done here.
        "django.middleware.common.CommonMiddleware",
        # Its eight labelled series and three histograms per request cost about a tenth of the
        # path; answering.RECEIVE_RESPONSES counts these requests instead.
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    }
)

# A connection idle longer than this gets Django's health check before it is used again; a
# busy one is not checked per request (one that fails anyway is closed after the request).
HEALTH_CHECK_AFTER_IDLE_SECONDS = 1.0


class ReceiveHandler(BaseHandler):
    """Django's request handling for the receive URL only, with the lean middleware list."""

    def __init__(self) -> None:
        super().__init__()
        # The URLconf's own view, name and route for /webhooks/<uuid> (this also imports the
        # URLconf now, at start-up, rather than in the first request).
        self._route = resolve(f"/webhooks/{uuid.UUID(int=0)}")
        self._load_lean_middleware()
        self.connection = KeptConnection()

    def _load_lean_middleware(self) -> None:
        """``BaseHandler.load_middleware`` for sync middleware, less ``SKIPPED_MIDDLEWARE``."""
        self._view_middleware: list = []
        self._template_response_middleware: list = []
        self._exception_middleware: list = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(lean_middleware()):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it (400 if refused)
        registration_id = uuid.UUID(RECEIVE_PATH.fullmatch(request.path_info)["registration_id"])
        route = self._route
        match = ResolverMatch(
            route.func,
            (),
            {"registration_id": registration_id},
            url_name=route.url_name,
            app_names=route.app_names,
            namespaces=route.namespaces,
            route=route.route,
        )
        request.resolver_match = match
        return match

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """``WSGIHandler.__call__`` without the request signals (see the module docstring)."""
        set_script_prefix(get_script_name(environ))
        self.connection.prepare()
        try:
            response = self.get_response(WSGIRequest(environ))
        finally:
            self.connection.release()
        count_response(response.status_code).inc()
        if not response.streaming and not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        headers = [
            *response.items(),
            *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
        ]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        # The content, not the response: the server would call response.close(), which sends
        # request_finished, and that re-arms the per-request health check.
        return [response.content]


class KeptConnection:
    """The database connection across requests, as Django's request signals would keep it,
    less the per-request ``SELECT 1`` (see the module docstring)."""

    def __init__(self) -> None:
        self._used = threading.local()  # connections are per thread (gthread workers)

    def prepare(self) -> None:
        now = time.monotonic()
        if now - getattr(self._used, "at", 0.0) > HEALTH_CHECK_AFTER_IDLE_SECONDS:
            db = connections[DEFAULT_DB_ALIAS]
            db.health_check_done = False  # as close_old_connections would
            db.close_if_health_check_failed()
        self._used.at = now

    @staticmethod
    def release() -> None:
        """``close_old_connections`` at a request's end: keep the connection for
        ``CONN_MAX_AGE``, and drop it after an error or a transaction left open."""
        db = connections[DEFAULT_DB_ALIAS]  # once: each lookup goes through a thread-local
        if db.connection is None or db.in_atomic_block:
            return  # (in an atomic block only under a test, whose transaction it is)
        expired = db.close_at is not None and time.monotonic() >= db.close_at
        if expired or db.errors_occurred or not db.get_autocommit():
            db.close()


def lean_middleware() -> list[str]:
    return [path for path in settings.MIDDLEWARE if path not in SKIPPED_MIDDLEWARE]


def with_lean_receive(application: WSGIApp) -> WSGIApp:
    """Wrap the project's WSGI application: the receive URL takes the lean path, the plainest
    requests to it the direct one (``direct.py``) when the middleware allow."""
    chain = ReceiveHandler()
    headers = static_headers(lean_middleware())
    direct = (
        DirectReceive(headers=headers, prepare=chain.connection.prepare,
                      release=chain.connection.release)
        if headers is not None
        else None
    )  # fmt: skip

    def dispatch(environ: dict, start_response: Callable) -> Iterable[bytes]:
        match = environ.get("REQUEST_METHOD") == "POST" and RECEIVE_PATH.fullmatch(
            get_path_info(environ)
        )
        if not match:
            return application(environ, start_response)
        if direct is None or environ.get("QUERY_STRING"):
            return chain(environ, start_response)
        return direct(
            environ, start_response, registration_id=match["registration_id"], fallback=chain
        )

    return dispatch
