"""Serve the sandbox from a background thread: ``start_sandbox()`` returns once the socket is
bound and listening (port 0 picks a free one), so a fixture can use ``.url`` at once."""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from connectors.sandbox.app import make_app
from connectors.sandbox.state import PROVIDERS, SandboxState


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a client that hangs up mid-request never blocks stop()
    request_queue_size = 64


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class RunningSandbox:
    """A sandbox serving on ``url``; ``state`` is live (faults, counters, records)."""

    def __init__(self, host: str, port: int, state: SandboxState, quiet: bool = True) -> None:
        self.state = state
        handler = _QuietHandler if quiet else WSGIRequestHandler
        self._server = make_server(host, port, make_app(state), _ThreadingWSGIServer, handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.port}",
            daemon=True,
        )

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def base_url(self, provider: str) -> str:
        """What a connection's ``base_url`` is set to for ``provider``."""
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
        return f"{self.url}/{provider}"

    def start(self) -> RunningSandbox:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop()`` (or Ctrl-C) - for ``run_sandbox``."""
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() would wait forever on a loop never started
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(
    host: str = "127.0.0.1", port: int = 0, state: SandboxState | None = None
) -> RunningSandbox:
    """A sandbox serving in a daemon thread; use as a context manager or call ``stop()``."""
    return RunningSandbox(host, port, state or SandboxState()).start()
