"""The one-equality fast path of the compiler gives what the full STIX pattern parser gives,
on a corpus of patterns with tricky quoting and on generated literals."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aseancyber.matching.compiler import (
    MAX_KEY,
    Compiled,
    PatternKind,
    compile_parsed,
    compile_pattern,
    tree_of,
)

CORPUS = [
    "[ipv4-addr:value = '203.0.113.9']",
    "[ipv4-addr:value = '203.0.113.9/32']",
    "[ipv4-addr:value = '203.0.113.9/24']",
    "[ipv4-addr:value = '010.0.0.1']",  # leading zeros: no address, kept as written
    "[ipv4-addr:value = '256.1.1.1']",
    "[ipv4-addr:value = '2001:db8::1']",  # an IPv6 value on the IPv4 path
    "[ipv6-addr:value = '2001:DB8:0:0::1']",
    "[ipv6-addr:value = '2001:db8::/32']",
    "[ipv6-addr:value = '203.0.113.9']",
    "[domain-name:value = 'Evil.Example.']",
    "[domain-name:value = 'It\\'s.Example']",
    "[domain-name:value = 'back\\\\slash.example']",
    "[domain-name:value = 'ends-with-backslash\\\\']",
    "[domain-name:value = '']",
    "[domain-name:value = ']']",
    "[domain-name:value = 'a] OR [domain-name:value = b']",
    "[domain-name:value = 'a' OR domain-name:value = 'b']",
    "[domain-name:value = 'σίγμας.example']",
    "[domain-name:value = '\u212aelvin.example']",
    "[domain-name:value = 'tab\there.example']",
    "[domain-name:value = '" + "a" * (MAX_KEY + 5) + "']",  # too long for a key: evaluated
    "[url:value = 'HTTP://Dl.Example/Payload/A.exe']",
    "[url:value = 'https://user@Host.Example:8443/P?q=\\'1\\'#F']",
    "[url:value = 'no-scheme.example/path']",
    "[email-addr:value = 'Phish@Mail.Example']",
    "[email-addr:value = 'o\\'brien@mail.example']",
    "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']",
    "[file:hashes.md5 = 'd41d8cd98f00b204e9800998ecf8427e']",
    "[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
    "[file:hashes.SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
    "[file:hashes.'SHA-1' = 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709']",
    "[file:hashes.SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
    "[file:hashes.'sha-512' = 'abcdef']",  # a hash the index has no kind for
    "[file:hashes.MD5 = 'not-hex']",
    "[file:hashes.MD5 = 'abc']",  # hex of the wrong length: still a string compare
    "[file:hashes.'MD5' = 'D41D8CD98F00B204E9800998ECF8427E']",
    "[ipv4-addr:value  =  '203.0.113.9']",
    " [ipv4-addr:value = '203.0.113.9'] ",
    '[ipv4-addr:value = "203.0.113.9"]',
    "[ipv4-addr:value = '203.0.113.9'",
    "[ipv4-addr:value != '203.0.113.9']",
    "[ipv4-addr:value = '203.0.113.9'] START t'2026-01-01T00:00:00Z' STOP t'2027-01-01T00:00:00Z'",
    "[network-traffic:dst_port = 443]",
]


def _same(fast: Compiled, parsed: Compiled) -> None:
    assert fast.kind is parsed.kind
    assert fast.entries == parsed.entries
    assert fast.types == parsed.types
    assert fast.problem == parsed.problem
    if fast.kind not in (PatternKind.UNSUPPORTED,):
        assert tree_of(fast) == tree_of(parsed)


@pytest.mark.parametrize("pattern", CORPUS)
def test_the_fast_path_equals_the_parser_on_the_corpus(pattern: str) -> None:
    _same(compile_pattern(pattern), compile_parsed(pattern))


def test_the_corpus_takes_the_fast_path() -> None:
    # Most of the corpus is simple equality: the comparison above is not parser vs parser.
    lazy = [p for p in CORPUS if not hasattr(compile_pattern(p).tree, "comparison")]
    assert len(lazy) >= 25


LITERAL = st.text(
    alphabet=st.sampled_from([*"aZ09.-_:/@?#=%' \\]", "\u03c3", "\u212a", "\t"]),
    max_size=30,
)
PATH = st.sampled_from(
    [
        "ipv4-addr:value",
        "ipv6-addr:value",
        "domain-name:value",
        "url:value",
        "email-addr:value",
        "file:hashes.MD5",
        "file:hashes.'SHA-256'",
    ]
)


@settings(max_examples=300, deadline=None)
@given(PATH, LITERAL)
def test_the_fast_path_equals_the_parser_on_any_literal(path: str, literal: str) -> None:
    quoted = literal.replace("\\", "\\\\").replace("'", "\\'")
    pattern = f"[{path} = '{quoted}']"
    _same(compile_pattern(pattern), compile_parsed(pattern))
