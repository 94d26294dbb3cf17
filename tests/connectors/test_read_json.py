"""Provider bodies are read exactly as ``json.loads`` reads them, whichever parser does it."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from connectors.providers.inbound import MalformedBody, _may_hold_a_long_integer, read_json

# orjson reads an integer as an int within [-2**63, 2**64 - 1] and as a float outside it; the
# digits counts change at 10**18 and 10**19 (a negative of 19 digits may already be outside).
INTEGER_EDGES = (-(2**64), -(2**63), -(10**19), -(10**18), 10**18, 10**19, 2**63, 2**64)
near_an_edge = st.builds(
    lambda edge, offset: edge + offset, st.sampled_from(INTEGER_EDGES), st.integers(-2, 1)
)
any_integer = st.integers(-(2**65), 2**65) | st.integers(-(10**30), 10**30)

json_values = st.recursive(
    # Half the leaves at or just beside an edge, where a prefilter counting digits can be wrong.
    st.one_of(
        near_an_edge,
        near_an_edge,
        near_an_edge,
        near_an_edge,
        any_integer,
        st.none() | st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(),
    ),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(derandomize=True)  # the same examples every run: a miss is not left to chance
@given(json_values, st.booleans())
@example({"id": -(2**63) - 1}, False)
@example([1, -9999999999999999999], True)
@example({"a": {"b": [2**64]}}, False)
def test_any_json_reads_as_json_loads_reads_it(value, ascii_only):
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert same(read_json(body), json.loads(body))


BEYOND_64_BITS = [-(2**64), -(2**63) - 1, -9999999999999999999, -(10**19), 2**64, 10**20]
WITHIN_64_BITS = [-(2**63), -(2**63) + 1, -(10**18) + 1, 2**63, 2**64 - 1, 10**19 - 1]


@pytest.mark.parametrize("number", BEYOND_64_BITS + WITHIN_64_BITS)
@pytest.mark.parametrize(
    "template",
    [
        "{n}",
        '{{"id": {n}}}',
        '{{"id":{n}}}',
        '{{"id":\n\t {n} }}',
        "[0,{n}]",
        "[1, \r\n{n}, 2]",
        '{{"a": [{{"b": {{"c": [{n}]}}}}]}}',
        '{{"sha": "{n}", "n": {n}}}',
    ],
)
def test_integers_at_the_edges_of_64_bits_stay_integers(number, template):
    body = template.format(n=number).encode()
    read = read_json(body)
    assert same(read, json.loads(body)), read


def test_19_digit_ids_within_64_bits_keep_the_fast_path():
    # Snowflake ids (Twitter, Discord) have 19 digits; only out-of-range ones need json.
    assert not _may_hold_a_long_integer(b'{"id": 1541815603606036480, "n": -1000000000000000000}')
    assert _may_hold_a_long_integer(b'{"id": 1541815603606036480, "n": -9223372036854775809}')


def test_a_string_of_thousands_of_digits_is_read():
    body = b'{"s": "' + b"7" * 5000 + b'", "id": 1}'
    assert read_json(body) == {"s": "7" * 5000, "id": 1}


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 123456789012345678901234567890}',  # beyond 64 bits: an int, not a float
        b'{"sha": "00000000000000000000000000", "id": [\n -12345678901234567890123]}',
        b'{"ratio": 0.12345678901234567890123, "sha": "00000000000000000000000000"}',
        b"[" + b" " * 100 + b"123456789012345678901234]",  # far from its bracket
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


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"ratio": NaN}', "NaN"),  # json's extensions, which no JSON store or reader takes
        (b'{"ratio": -Infinity}', "Infinity"),
        (b"[1e400, 0]", "1e400"),  # beyond a double: infinity to every reader downstream
        (b'{"a": "\\udc00"}', "surrogate"),  # not text: PostgreSQL's jsonb refuses it
        (b'{"id": 123456789012345678901234567890, "r": NaN}', "NaN"),  # json's path anyway
    ],
)
def test_json_the_hub_could_not_publish_is_malformed_naming_it(body, named):
    with pytest.raises(MalformedBody, match=named):
        read_json(body)


@pytest.mark.parametrize("body", [b"{not json", b"", b"[" * 5000 + b"]" * 5000, b"\xff\xfe\x00"])
def test_unreadable_bodies_are_malformed(body):
    with pytest.raises(MalformedBody, match="not valid JSON"):
        read_json(body)
