"""One sandbox for the module's tests, over real HTTP on 127.0.0.1, reset before each test so
faults, counters and records never leak from one test into the next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from connectors.sandbox import RunningSandbox, SandboxState, start_sandbox


@pytest.fixture(scope="module")
def running_sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(running_sandbox: RunningSandbox) -> RunningSandbox:
    running_sandbox.state.reset()
    return running_sandbox


@pytest.fixture
def state(sandbox: RunningSandbox) -> SandboxState:
    return sandbox.state


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.request = _with_timeout(session.request)  # type: ignore[method-assign]
        yield session


def _with_timeout(request):
    def bounded(method, url, **kwargs):
        kwargs.setdefault("timeout", 10)
        return request(method, url, **kwargs)

    return bounded
