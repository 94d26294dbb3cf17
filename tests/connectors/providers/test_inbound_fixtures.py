"""Every inbound provider, every fixture (Zulip's way): a real payload per declared event type,
signed as the provider signs it, verifies and parses into events of that type. A provider that
declares an event type without a fixture fails here."""

from __future__ import annotations

import pytest

from connectors.providers import MODULES
from connectors.providers.inbound import SignatureInvalid
from tests.connectors.providers.inbound_support import (
    SETUPS,
    context,
    event_type_of,
    fixture_paths,
    signed_fixture,
    signed_request,
)

INBOUND = [m for m in MODULES if hasattr(m, "parse")]
SIGNED = [m for m in INBOUND if m.DEFINITION.code in SETUPS]
CASES = [
    pytest.param(module, path, id=f"{module.DEFINITION.code}/{path.name}")
    for module in INBOUND
    for path in fixture_paths(module.DEFINITION.code)
]


@pytest.mark.parametrize("module", INBOUND, ids=lambda m: m.DEFINITION.code)
def test_every_declared_event_type_has_a_fixture(module):
    declared = set(module.DEFINITION.events)
    fixtures = {event_type_of(p) for p in fixture_paths(module.DEFINITION.code)}
    assert declared - fixtures == set(), "add tests/fixtures/<provider>/<event type>.json"
    assert fixtures - declared == set(), "a fixture for an event type the provider doesn't declare"


@pytest.mark.parametrize(("module", "path"), CASES)
def test_each_fixture_parses_into_its_event_type(module, path):
    code = module.DEFINITION.code
    request = signed_fixture(code, path) if code in SETUPS else None
    if request is not None:
        module.verify(request, context(code))
    else:
        from connectors.sandbox.webhooks import SignedRequest
        from tests.connectors.providers.inbound_support import to_inbound

        request = to_inbound(
            SignedRequest("POST", "https://hub.example.com/w", {}, path.read_bytes())
        )
    events = module.parse(request)
    assert events, "no events parsed"
    assert {event.event_type for event in events} == {event_type_of(path)}
    assert all(event.dedupe_key for event in events)
    assert len({event.dedupe_key for event in events}) == len(events)


def _first_fixture(module):
    paths = fixture_paths(module.DEFINITION.code)
    assert paths, f"{module.DEFINITION.code} has no fixtures"
    return paths[0].read_bytes()


BODY_SIGNED = [m for m in SIGNED if SETUPS[m.DEFINITION.code].signs_body]


@pytest.mark.parametrize("module", BODY_SIGNED, ids=lambda m: m.DEFINITION.code)
def test_a_tampered_body_is_refused(module):
    code = module.DEFINITION.code
    request = signed_request(code, _first_fixture(module))
    tampered = type(request)(request.method, request.url, request.headers, request.query,
                             request.body.replace(b"}", b" }", 1))  # fmt: skip
    with pytest.raises(SignatureInvalid):
        module.verify(tampered, context(code))


@pytest.mark.parametrize("module", SIGNED, ids=lambda m: m.DEFINITION.code)
def test_a_wrong_secret_is_refused(module):
    code = module.DEFINITION.code
    request = signed_request(code, _first_fixture(module))
    wrong = "whsec_" + "A" * 32 if code == "standard" else "not-the-secret-at-all-0000"
    with pytest.raises(SignatureInvalid):
        module.verify(request, context(code, secret=wrong))


@pytest.mark.parametrize("module", SIGNED, ids=lambda m: m.DEFINITION.code)
def test_missing_signature_headers_are_refused(module):
    code = module.DEFINITION.code
    request = signed_request(code, _first_fixture(module))
    bare = {k: v for k, v in request.headers.items() if k == "content-type"}
    unsigned = type(request)(request.method, request.url, bare, request.query, request.body)
    with pytest.raises(SignatureInvalid):
        module.verify(unsigned, context(code))
