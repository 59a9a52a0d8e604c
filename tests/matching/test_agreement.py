"""The matcher agrees with stix2-matcher (the OASIS reference) on generated patterns.

Each observable is given to stix2-matcher as one observed-data object holding that one
cyber-observable object, seen at the match time; our index (entries, then exact
evaluation where needed) must answer the same for every generated pattern. Values are
generated in canonical form (lower-case, canonical IPs), where normalisation is a no-op.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from stix2matcher.matcher import MatcherException, match

from aseancyber.matching.compiler import compile_pattern
from aseancyber.matching.index import MatchIndex
from aseancyber.matching.observables import Observable, detect

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
OBSERVABLES = [
    "10.0.0.1",
    "10.0.0.2",
    "192.0.2.1",
    "10.0.0.0/24",
    "a.example",
    "evil.test",
    "http://a.example/x",
    "bob@a.example",
    MD5,
    SHA256,
]

IPV4_TESTS = [
    "ipv4-addr:value = '10.0.0.1'",
    "ipv4-addr:value != '10.0.0.1'",
    "ipv4-addr:value IN ('10.0.0.2', '192.0.2.1')",
    "ipv4-addr:value NOT IN ('10.0.0.2')",
    "ipv4-addr:value LIKE '10.%'",
    "ipv4-addr:value MATCHES '^192\\\\.'",
    "ipv4-addr:value ISSUBSET '10.0.0.0/8'",
    "ipv4-addr:value ISSUBSET '10.0.0.0/30'",
    "ipv4-addr:value NOT ISSUBSET '192.0.2.0/24'",
    "ipv4-addr:value ISSUPERSET '10.0.0.0/28'",
    "ipv4-addr:value = '10.0.0.0/24'",
    "ipv4-addr:x > 5",
]
OTHER_TESTS = [
    "domain-name:value = 'a.example'",
    "domain-name:value != 'a.example'",
    "domain-name:value IN ('evil.test', 'b.example')",
    "domain-name:value LIKE '%.test'",
    "domain-name:value MATCHES 'ev[a-z]l'",
    "domain-name:resolves_to_refs[*].value = '10.0.0.1'",
    "url:value = 'http://a.example/x'",
    "url:value LIKE 'http://a.example/%'",
    "email-addr:value = 'bob@a.example'",
    f"file:hashes.MD5 = '{MD5}'",
    f"file:hashes.'SHA-256' = '{SHA256}'",
    f"file:hashes.'SHA-256' != '{SHA256}'",
    "file:size > 10",
]
TESTS = st.sampled_from(IPV4_TESTS + OTHER_TESTS)


@st.composite
def comparisons(draw: Any, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return str(draw(TESTS))
    joiner: str = draw(st.sampled_from([" AND ", " OR "]))
    parts = [draw(comparisons(depth - 1)) for _ in range(draw(st.integers(2, 3)))]
    return "(" + joiner.join(parts) + ")"


def _window(draw: Any) -> str:
    start = AT + timedelta(days=draw(st.integers(-3, 1)))
    stop = start + timedelta(days=draw(st.integers(1, 3)))
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return f" START t'{start.strftime(fmt)}' STOP t'{stop.strftime(fmt)}'"


@st.composite
def observations(draw: Any, depth: int = 2) -> str:
    if depth == 0 or draw(st.integers(0, 2)) > 0:
        text: str = "[" + draw(comparisons()) + "]"
    else:
        joiner: str = draw(st.sampled_from([" OR ", " AND ", " FOLLOWEDBY "]))
        parts = [draw(observations(depth - 1)) for _ in range(draw(st.integers(2, 3)))]
        text = "(" + joiner.join(parts) + ")"
    qualifier = draw(st.sampled_from(["", "", "", "within", "repeats", "startstop"]))
    if qualifier == "within":
        text += f" WITHIN {draw(st.integers(1, 600))} SECONDS"
    elif qualifier == "repeats":
        text += f" REPEATS {draw(st.integers(1, 2))} TIMES"
    elif qualifier == "startstop":
        text += _window(draw)
    return text


def _bundle(observable: Observable) -> list[dict[str, Any]]:
    sco = {**observable.sco(), "id": f"{observable.sco_type}--2f5e4f7e-8d3a-4a1c-9e2b-4d605b0b8f0c"}
    stamp = AT.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    observed = {
        "type": "observed-data",
        "spec_version": "2.1",
        "id": "observed-data--5b0b8f0c-2f5e-4f7e-8d3a-9a1c7e2b4d60",
        "created": stamp,
        "modified": stamp,
        "first_observed": stamp,
        "last_observed": stamp,
        "number_observed": 1,
        "object_refs": [sco["id"]],
    }
    return [
        {
            "type": "bundle",
            "id": "bundle--9a1c7e2b-4d60-4f7e-8d3a-5b0b8f0c2f5e",
            "objects": [observed, sco],
        }
    ]


def _ours(pattern: str, observable: Observable) -> bool:
    index = MatchIndex()
    index.add("x", compile_pattern(pattern))
    return bool(index.match(observable, AT))


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(pattern=observations(), raw=st.sampled_from(OBSERVABLES))
def test_agrees_with_stix2_matcher(pattern: str, raw: str) -> None:
    observable = detect(raw)
    assert observable is not None
    assert observable.value == raw
    try:
        theirs = bool(match(pattern, _bundle(observable), stix_version="2.1"))
    except MatcherException:
        assume(False)
        return
    assert _ours(pattern, observable) is theirs, pattern


def test_a_fixed_set_agrees_too() -> None:
    """The generated set always includes these, whatever hypothesis draws."""
    for pattern in ["[" + test + "]" for test in IPV4_TESTS + OTHER_TESTS]:
        for raw in OBSERVABLES:
            observable = detect(raw)
            assert observable is not None
            try:
                theirs = bool(match(pattern, _bundle(observable), stix_version="2.1"))
            except MatcherException:
                continue
            assert _ours(pattern, observable) is theirs, (pattern, raw)
