"""Provider bodies are read exactly as ``json.loads`` reads them, whichever parser does it."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.providers.inbound import MalformedBody, read_json

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values, st.booleans())
def test_any_json_reads_as_json_loads_reads_it(value, ascii_only):
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert same(read_json(body), json.loads(body))


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 123456789012345678901234567890}',  # beyond 64 bits: an int, not a float
        b'{"sha": "00000000000000000000000000", "id": [\n -12345678901234567890123]}',
        b'{"ratio": 0.12345678901234567890123, "sha": "00000000000000000000000000"}',
        b"[" + b" " * 100 + b"123456789012345678901234]",  # far from its bracket
        b'{"ratio": NaN}',  # json's extension
        "\ufeff{}".encode(),  # a byte-order mark
        '{"a": "\u00e9"}'.encode("utf-16"),  # json detects UTF-16 and -32
        b'{"a": 1, "a": 2}',  # the last of repeated keys
    ],
)
def test_what_orjson_reads_otherwise_or_refuses_is_json_loads_answer(body):
    assert same(read_json(body), json.loads(body))


def same(read, expected) -> bool:
    """Equal, of the same types all the way down (an int is not a float), NaN equal to NaN."""
    if type(read) is not type(expected):
        return False
    if isinstance(expected, dict):
        return read.keys() == expected.keys() and all(same(read[k], expected[k]) for k in read)
    if isinstance(expected, list):
        return len(read) == len(expected) and all(map(same, read, expected))
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(read)
    return read == expected


@pytest.mark.parametrize("body", [b"{not json", b"", b"[" * 5000 + b"]" * 5000, b"\xff\xfe\x00"])
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody, match="not valid JSON"):
        read_json(body)
