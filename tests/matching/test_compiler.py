"""The pattern compiler and the observable recogniser: input -> expected output tables."""

from datetime import UTC, datetime

import pytest

from aseancyber.matching.compiler import Entry, PatternKind, compile_pattern
from aseancyber.matching.index import MatchIndex, Validity
from aseancyber.matching.observables import detect, in_text
from aseancyber.matching.patterns import PatternError, parse

SHA256 = "ab" * 32
NOW = datetime(2026, 6, 1, tzinfo=UTC)

COMPILED = [
    (
        "[ipv4-addr:value = '203.0.113.9']",
        PatternKind.INDEXED,
        {("eq", "ipv4-addr", "203.0.113.9")},
    ),
    (
        "[domain-name:value IN ('Evil.Example.', 'b.example')]",
        PatternKind.INDEXED,
        {("eq", "domain-name", "evil.example"), ("eq", "domain-name", "b.example")},
    ),
    (
        "[file:hashes.'SHA-256' = '" + SHA256.upper() + "']",
        PatternKind.INDEXED,
        {("eq", "sha256", SHA256)},
    ),
    ("[file:hashes.sha1 = '" + "1" * 40 + "']", PatternKind.INDEXED, {("eq", "sha1", "1" * 40)}),
    (
        "[ipv4-addr:value = '10.0.0.1' OR url:value = 'HTTP://X.Example/a']",
        PatternKind.INDEXED,
        {("eq", "ipv4-addr", "10.0.0.1"), ("eq", "url", "http://x.example/a")},
    ),
    (
        "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
        PatternKind.INDEXED,
        {("sub", "ipv4-addr", "24/c6336400")},
    ),
    (
        "[ipv6-addr:value ISSUBSET '2001:db8::/32']",
        PatternKind.INDEXED,
        {("sub", "ipv6-addr", "32/20010db8000000000000000000000000")},
    ),
    (
        "[ipv4-addr:value ISSUPERSET '198.51.100.7']",
        PatternKind.INDEXED,
        {("sup", "ipv4-addr", "32/c6336407")},
    ),
    (
        "[url:value LIKE 'http://evil.example/%']",
        PatternKind.INDEXED,
        {("like", "url", "http://evil.example/%")},
    ),
    (
        "[email-addr:value MATCHES '@evil\\\\.example$']",
        PatternKind.INDEXED,
        {("regex", "email-addr", "@evil\\.example$")},
    ),
    (
        "[ipv4-addr:value = '10.0.0.1'] OR [domain-name:value = 'a.example']",
        PatternKind.INDEXED,
        {("eq", "ipv4-addr", "10.0.0.1"), ("eq", "domain-name", "a.example")},
    ),
    (
        "[ipv4-addr:value = '10.0.0.1' AND ipv4-addr:value LIKE '10.%']",
        PatternKind.PREFILTERED,
        {("eq", "ipv4-addr", "10.0.0.1")},
    ),
    (
        "[domain-name:value = 'a.example' AND domain-name:resolves_to_refs[*].value = '10.0.0.1']",
        PatternKind.PREFILTERED,
        {("eq", "domain-name", "a.example")},
    ),
    (
        "[ipv4-addr:value = '10.0.0.1'] START t'2026-01-01T00:00:00Z' STOP t'2027-01-01T00:00:00Z'",
        PatternKind.PREFILTERED,
        {("eq", "ipv4-addr", "10.0.0.1")},
    ),
    (
        "[ipv4-addr:value = '10.0.0.1'] WITHIN 300 SECONDS",
        PatternKind.INDEXED,
        {("eq", "ipv4-addr", "10.0.0.1")},
    ),
    ("[ipv4-addr:value != '10.0.0.1']", PatternKind.SCAN, set()),
    (
        "[ipv4-addr:value NOT = '10.0.0.1' OR domain-name:value = 'a.example']",
        PatternKind.SCAN,
        set(),
    ),
    ("[network-traffic:dst_port = 443]", PatternKind.SCAN, set()),
    (
        "[ipv4-addr:value = '10.0.0.1'] AND [domain-name:value = 'a.example']",
        PatternKind.MULTI_OBSERVATION,
        set(),
    ),
    (
        "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']",
        PatternKind.MULTI_OBSERVATION,
        set(),
    ),
    ("[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES", PatternKind.MULTI_OBSERVATION, set()),
    (
        "[ipv4-addr:value = '10.0.0.1'] OR ([a:b = 1] AND [a:c = 2])",
        PatternKind.INDEXED,
        {("eq", "ipv4-addr", "10.0.0.1")},
    ),
]


@pytest.mark.parametrize(("pattern", "kind", "entries"), COMPILED)
def test_pattern_compiles_to_its_entries(
    pattern: str, kind: PatternKind, entries: set[tuple[str, str, str]]
) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.kind is kind
    assert {(e.kind, e.observable, e.key) for e in compiled.entries} == entries


def test_the_fast_path_gives_what_the_parser_gives() -> None:
    for pattern in (
        "[ipv4-addr:value = '203.0.113.9']",
        "[domain-name:value = 'It\\'s.Example']",
        "[file:hashes.MD5 = '" + "C" * 32 + "']",
        "[url:value = 'https://A.example/x?y=1']",
    ):
        fast = compile_pattern(pattern)
        # The same pattern with extra spaces inside misses the fast path and is parsed.
        slow = compile_pattern(pattern.replace(" = ", "  =  "))
        assert fast.entries == slow.entries
        assert fast.kind is slow.kind is PatternKind.INDEXED


@pytest.mark.parametrize(
    ("pattern", "pattern_type"),
    [("[ipv4-addr:value = ", "stix"), ("[x:y = 1]", "sigma"), (None, "stix")],
)
def test_what_is_not_a_stix_pattern_is_unsupported(pattern: object, pattern_type: str) -> None:
    compiled = compile_pattern(pattern, pattern_type)
    assert compiled.kind is PatternKind.UNSUPPORTED
    assert compiled.entries == ()


def test_parse_errors_name_the_problem() -> None:
    with pytest.raises(PatternError, match="1:"):
        parse("[ipv4-addr:value = '1.2.3.4'")


DETECTED = [
    ("203.0.113.9", "ipv4-addr", "203.0.113.9"),
    (" 198.51.100.7/24 ", "ipv4-addr", "198.51.100.0/24"),
    ("10.0.0.1/32", "ipv4-addr", "10.0.0.1"),
    ("2001:DB8:0:0::1", "ipv6-addr", "2001:db8::1"),
    ("2001:db8::/32", "ipv6-addr", "2001:db8::/32"),
    ("Evil.Example.", "domain-name", "evil.example"),
    ("evil[.]example", "domain-name", "evil.example"),
    ("HTTPS://Evil.Example/Path?Q=1", "url", "https://evil.example/Path?Q=1"),
    ("hxxp://evil[.]example/x", "url", "http://evil.example/x"),
    ("Bob@Example.ORG", "email-addr", "bob@example.org"),
    ("D41D8CD98F00B204E9800998ECF8427E", "md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ("1" * 40, "sha1", "1" * 40),
    (SHA256, "sha256", SHA256),
]


@pytest.mark.parametrize(("raw", "kind", "value"), DETECTED)
def test_observables_are_recognised_and_normalised(raw: str, kind: str, value: str) -> None:
    found = detect(raw)
    assert found is not None
    assert (found.kind, found.value) == (kind, value)


@pytest.mark.parametrize(
    "raw", ["", "hello", "10.1", "999.1.1.1", "12345", "x" * 3000, "not an@address", "a.b"]
)
def test_what_is_no_observable_is_not_guessed(raw: str) -> None:
    assert detect(raw) is None


def test_observables_are_found_in_a_log_line() -> None:
    line = (
        '2026-11-28T04:00:01Z 192.0.2.10 GET "https://Evil.Example/dl?x=1" 200 '
        "from bob@corp.example sha256=" + SHA256 + " peer 2001:db8::5 done."
    )
    found = [(o.kind, o.value) for o in in_text(line)]
    assert found == [
        ("ipv4-addr", "192.0.2.10"),
        ("url", "https://evil.example/dl?x=1"),
        ("domain-name", "evil.example"),
        ("email-addr", "bob@corp.example"),
        ("sha256", SHA256),
        ("ipv6-addr", "2001:db8::5"),
    ]


def _index(*patterns: str) -> MatchIndex:
    index = MatchIndex()
    for pattern in patterns:
        index.add(pattern, compile_pattern(pattern))
    return index


def _matches(index: MatchIndex, raw: str, at: datetime = NOW) -> set[str]:
    observable = detect(raw)
    assert observable is not None
    return {str(index.keys[p]) for p in index.match(observable, at)}


def test_cidrs_match_by_prefix_both_ways() -> None:
    subset = "[ipv4-addr:value ISSUBSET '198.51.100.0/24']"
    wide = "[ipv4-addr:value ISSUBSET '198.0.0.0/8']"
    superset = "[ipv4-addr:value ISSUPERSET '198.51.100.7']"
    six = "[ipv6-addr:value ISSUBSET '2001:db8::/32']"
    index = _index(subset, wide, superset, six)
    assert _matches(index, "198.51.100.200") == {subset, wide}
    assert _matches(index, "198.51.100.0/25") == {subset, wide, superset}
    assert _matches(index, "198.51.100.128/25") == {subset, wide}
    assert _matches(index, "198.51.0.0/16") == {wide, superset}
    assert _matches(index, "198.51.100.7") == {subset, wide, superset}
    assert _matches(index, "199.0.0.1") == set()
    assert _matches(index, "2001:db8:ffff::1") == {six}
    assert _matches(index, "2001:db9::1") == set()


def test_start_stop_and_validity_are_judged_at_match_time() -> None:
    windowed = (
        "[domain-name:value = 'a.example'] "
        "START t'2026-01-01T00:00:00Z' STOP t'2026-07-01T00:00:00Z'"
    )
    index = _index(windowed)
    assert _matches(index, "a.example", NOW) == {windowed}
    assert _matches(index, "a.example", datetime(2026, 8, 1, tzinfo=UTC)) == set()
    timed = MatchIndex()
    timed.add("t", compile_pattern("[domain-name:value = 'b.example']"), Validity(NOW, None))
    assert _matches(timed, "b.example", NOW) == {"t"}
    assert _matches(timed, "b.example", datetime(2026, 5, 1, tzinfo=UTC)) == set()
    assert timed.match_many([detect("b.example")], datetime(2026, 5, 1, tzinfo=UTC)) == [[]]  # type: ignore[list-item]


def test_entries_are_stored_as_text() -> None:
    entry = Entry("sub", "ipv4-addr", "24/c6336400", 24)
    assert entry.network() == (24, 0xC6336400)
