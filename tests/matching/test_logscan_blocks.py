"""Raw blocks of a log file (:meth:`LogScanner.scan_block`) hit exactly what the per-line
matcher hits: read in place when ASCII and not defanged, token by token, and through the
text path otherwise; never an indicator the reader may not see."""

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from ahocorasick_rs import Implementation
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.matching import logscan, service
from aseancyber.matching.compiler import compile_pattern
from aseancyber.matching.logscan import LogScanner, scan_exactly
from aseancyber.matching.observables import parse_network
from tests.factories import actor
from tests.matching.conftest import indicator, store
from tests.matching.test_logscan import (
    CONFIGURATIONS,
    EQUALITY,
    HOSTILE,
    IPV6,
    NETWORKS,
    SUBNETS,
    _generated_log,
    _hits,
    _index,
)
from tests.matching.test_matching import _label_world
from tests.matrix import EXPECTED
from tests.readers import World
from tests.sharing.conftest import make_collection

AT = datetime(2026, 6, 1, tzinfo=UTC)
# Lines the fast path reads in place: ASCII, no defanging mark.
PLAIN = [line for line in HOSTILE if line.isascii() and "[.]" not in line and "hxxp" not in line]


def _in_place_only(scanner: LogScanner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the text path fail, so a test proves the in-place path answered."""

    def refuse(text: str) -> Any:
        raise AssertionError("read as text")

    monkeypatch.setattr(scanner, "scan", refuse)


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_a_block_hits_what_the_line_matcher_hits(name: str) -> None:
    scanner = LogScanner(_index(*CONFIGURATIONS[name]), AT)
    generated = _generated_log(random.Random(name), 500)
    for text in ("".join(HOSTILE), "".join(PLAIN) + generated):
        expected = _hits(scan_exactly(scanner.index, text, AT))
        assert _hits(scanner.scan_block(text.encode())) == expected
        assert expected


@pytest.mark.parametrize("name", ["equality", "networks", "subnets", "ipv6", "everything"])
def test_plain_ascii_is_read_in_place(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scanner = LogScanner(_index(*CONFIGURATIONS[name]), AT)
    text = "".join(PLAIN) * 3
    expected = _hits(scan_exactly(scanner.index, text, AT))
    _in_place_only(scanner, monkeypatch)
    assert _hits(scanner.scan_block(text.encode())) == expected
    assert len(expected) > 10


@pytest.mark.parametrize(
    "block",
    [
        b"GET hxxp://dl.example/Payload/A.exe\n",
        b"see evil[.]example\n",
        "caf\u00e9 evil.example\n".encode(),
        b"bad \xc3 byte evil.example\n",
    ],
)
def test_defanged_or_non_ascii_blocks_are_read_as_text(block: bytes) -> None:
    scanner = LogScanner(_index(EQUALITY), AT)
    text = block.decode("utf-8", errors="replace")
    found = _hits(scanner.scan_block(block))
    assert found == _hits(scan_exactly(scanner.index, text, AT))
    assert found  # refanged / decoded, the indicator is still found


def test_word_boundaries_as_grep_w_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    scanner = LogScanner(_index(EQUALITY), AT)
    _in_place_only(scanner, monkeypatch)
    lines = [
        "a=xevil.example b=evil.examples c=evil.example_ d=1198.51.100.23 e=198.51.100.234\n",
        "a=evil.example\n",
        "to=phish@mail.example1 x\n",  # an address's end has no boundary
        "q=198.51.100.23/32,\n",  # a host route is the address
        "h=d41d8cd98f00b204e9800998ecf8427e0 x\n",
    ]
    found = {(h.line, h.observable.value) for h in scanner.scan_block("".join(lines).encode())}
    assert found == {
        (1, "evil.example"),
        (2, "phish@mail.example"),
        (3, "198.51.100.23"),
    }


def test_a_token_with_a_key_but_no_observable_reads_the_whole_line() -> None:
    # The key sits inside a token that yields nothing; the line is read whole (detect).
    scanner = LogScanner(_index(["[domain-name:value = 'evil.example']"]), AT)
    text = "x evil.example\x00\n  evil.example  \n"
    assert _hits(scanner.scan_block(text.encode())) == _hits(scan_exactly(scanner.index, text, AT))


def test_networks_are_evaluated_exactly_at_their_edges(monkeypatch: pytest.MonkeyPatch) -> None:
    scanner = LogScanner(_index(NETWORKS, IPV6), AT)
    _in_place_only(scanner, monkeypatch)
    lines = [
        "src=203.0.113.0 dst=203.0.113.255\n",  # both ends of the /24
        "src=203.0.112.255 dst=203.0.114.0\n",  # just outside
        "net=203.0.113.128/25 wide=203.0.112.0/23\n",  # inside; a supernet is not a subset
        "net=192.0.2.0/24 small=192.0.2.0/29\n",  # contains the /28; the /29 does not
        "peer 2001:db8:ff:ffff::1 other 2001:db8:100::1\n",
    ]
    text = "".join(lines)
    found = {(h.line, h.observable.value) for h in scanner.scan_block(text.encode())}
    assert found == {
        (0, "203.0.113.0"),
        (0, "203.0.113.255"),
        (2, "203.0.113.128/25"),
        (3, "192.0.2.0/24"),
        (4, "2001:db8:ff:ffff::1"),
    }
    assert _hits(scanner.scan_block(text.encode())) == _hits(scan_exactly(scanner.index, text, AT))


def test_subnets_are_found_by_their_leading_octets(monkeypatch: pytest.MonkeyPatch) -> None:
    scanner = LogScanner(_index(SUBNETS), AT)
    assert scanner.ip_versions == []  # no regular-expression scan of every address
    _in_place_only(scanner, monkeypatch)
    lines = [
        "src=203.0.113.0 dst=203.0.113.255 out=203.0.112.255\n",
        "a=198.18.16.0 b=198.18.31.255 c=198.18.32.0 d=198.18.15.255\n",
        "e=10.128.0.1 f=10.255.255.255 g=10.127.255.255 h=110.128.0.1\n",
        "net=192.0.2.128/26 other=192.0.2.0/25 host=192.0.2.128/25\n",
        "one=10.0.0.1 two=10.0.0.2\n",
    ]
    text = "".join(lines)
    found = {(h.line, h.observable.value) for h in scanner.scan_block(text.encode())}
    assert found == {
        (0, "203.0.113.0"),
        (0, "203.0.113.255"),
        (1, "198.18.16.0"),
        (1, "198.18.31.255"),
        (2, "10.128.0.1"),
        (2, "10.255.255.255"),
        (3, "192.0.2.128/25"),
        (4, "10.0.0.1"),
    }
    assert _hits(scanner.scan_block(text.encode())) == _hits(scan_exactly(scanner.index, text, AT))


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        ("203.0.113.0/24", [b"203.0.113."]),
        ("203.0.113.77/32", [b"203.0.113."]),
        ("198.18.0.0/16", [b"198.18."]),
        ("198.18.16.0/20", [f"198.18.{n}.".encode() for n in range(16, 32)]),
        ("10.128.0.0/9", [f"10.{n}.".encode() for n in range(128, 256)]),
        ("0.0.0.0/0", [f"{n}.".encode() for n in range(256)]),
    ],
)
def test_an_ipv4_network_is_named_by_its_leading_octets(
    network: str, expected: list[bytes]
) -> None:
    parsed = parse_network(network)
    assert parsed is not None
    assert logscan._ipv4_prefixes(parsed[2], parsed[1]) == expected


def test_the_whole_ipv4_space_is_still_matched_exactly() -> None:
    scanner = LogScanner(_index(["[ipv4-addr:value ISSUBSET '0.0.0.0/0']"]), AT)
    text = "a 1.2.3.4 b 255.255.255.255/32 c 1.2.3 d 2001:db8::1\n"
    found = {h.observable.value for h in scanner.scan_block(text.encode())}
    assert found == {"1.2.3.4", "255.255.255.255"}


def test_a_hash_is_found_by_its_last_digits_and_matched_whole() -> None:
    scanner = LogScanner(_index(EQUALITY), AT)
    md5 = "d41d8cd98f00b204e9800998ecf8427e"
    text = f"x {'0' * 16}{md5[16:]} y {md5[16:]} z {md5.upper()}\n"
    assert {h.observable.value for h in scanner.scan_block(text.encode())} == {md5}


def test_the_automaton_becomes_a_dfa_once_it_has_read_enough(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logscan._CACHE.clear()
    monkeypatch.setattr(logscan, "DFA_AFTER", 1000)
    scanner = LogScanner(_index(EQUALITY, SUBNETS), AT)
    text = "".join(PLAIN) * 5
    expected = _hits(scan_exactly(scanner.index, text, AT))
    first = _hits(scanner.scan_block(text.encode()))
    assert scanner.automaton.implementation is Implementation.ContiguousNFA
    assert _hits(scanner.scan_block(text.encode())) == first == expected
    assert scanner.automaton.implementation is Implementation.DFA
    logscan._CACHE.clear()


ASCII_PARTS = [
    "198.51.100.23",
    "10.0.0.1",
    "203.0.113.",
    "/24",
    "/32",
    "2001:db8",
    "::",
    "evil",
    ".example",
    "EVIL",
    "http://",
    "dl.",
    "/Payload",
    "/A.exe",
    "@mail",
    "phish",
    "d41d8cd98f00b204e9800998ecf8427e",
    "0",
    "_",
    "-",
    " ",
    "\t",
    "\r",
    "\x0b",
    "\x1c",
    "\x00",
    "\n",
    '"',
    "'",
    "<",
    "=",
    ".",
    ":",
    "x",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ASCII_PARTS), max_size=40))
def test_any_ascii_block_scans_as_the_line_matcher_reads_it(parts: list[str]) -> None:
    text = "".join(parts)
    for scanner in BLOCK_SCANNERS:
        assert _hits(scanner.scan_block(text.encode())) == _hits(
            scan_exactly(scanner.index, text, AT)
        )


BLOCK_SCANNERS = [
    LogScanner(_index(EQUALITY), AT),
    LogScanner(_index(EQUALITY, SUBNETS), AT),
    LogScanner(_index(EQUALITY, NETWORKS, IPV6), AT),
]


def test_the_automaton_is_kept_while_the_keys_stay_the_same() -> None:
    first = LogScanner(_index(EQUALITY), AT)
    again = LogScanner(_index(list(reversed(EQUALITY))), AT)  # same keys, another order
    assert again.automaton is first.automaton
    changed = _index(EQUALITY)
    changed.add("new", compile_pattern("[domain-name:value = 'new.example']"))
    assert LogScanner(changed, AT).automaton is not first.automaton
    for n in range(logscan.CACHED_AUTOMATA + 1):
        LogScanner(_index([f"[domain-name:value = 'n{n}.example']"]), AT)
    assert len(logscan._CACHE) == logscan.CACHED_AUTOMATA
    assert LogScanner(_index(EQUALITY), AT).automaton is not first.automaton  # evicted


@pytest.mark.parametrize("reader", sorted(set(EXPECTED) - {"anonymous"}))
def test_a_log_file_hits_only_what_the_reader_may_see(
    db: Session, world: World, reader: str
) -> None:
    ips = _label_world(db, world)
    log = "".join(f"Dec  6 fw: SRC=172.16.0.1 DST={ip} PROTO=TCP\n" for ip in ips.values())
    visible = service.visible_index(db, actor=actor(getattr(world, reader)), at=None)
    scanner = LogScanner(visible.index, datetime.now(UTC))
    names = {
        visible.hits[str(visible.index.keys[posting])].name
        for found in scanner.scan_block(log.encode())
        for posting in found.postings
    }
    assert names == EXPECTED[reader]


LOG = (
    '2026-11-28T04:00:01Z 45.77.1.2 GET "https://cdn.evil-c2.net/a.js" 200 ua="curl"\n'
    "2026-11-28T04:00:02Z 10.9.8.7 DNS query Evil-C2.net A\n"
    "Nov 28 04:00:03 mail postfix: from=<Phish@Bad-Sender.net> relay http://evil-c2.net/x\n"
    "2026-11-28T04:00:04Z 10.9.8.7 hidden.example 45.77.9.9 nothing else\n"
)


def test_a_log_file_hits_what_pasting_its_lines_hits(db: Session, world: World) -> None:
    collection = make_collection(db, world)
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator("[ipv4-addr:value = '45.77.1.2']"),
            indicator("[domain-name:value = 'evil-c2.net']"),
            indicator("[email-addr:value = 'phish@bad-sender.net']"),
            indicator("[ipv4-addr:value ISSUBSET '45.77.9.0/24']"),
        ],
    )
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[indicator("[domain-name:value = 'hidden.example']", tlp=Tlp.RED)],
    )
    reader = actor(world.other_state)
    visible = service.visible_index(db, actor=reader, at=None)
    scanner = LogScanner(visible.index, datetime.now(UTC))
    from_file = {
        (found.observable.value, str(visible.index.keys[posting]))
        for found in scanner.scan_block(LOG.encode())
        for posting in found.postings
    }
    pasted = service.match_values(db, actor=reader, values=service.observables_in(LOG.splitlines()))
    from_paste = {
        (result.observable.value, hit.record_id)
        for result in pasted.results
        if result.observable is not None
        for hit in result.hits
    }
    assert from_file == from_paste
    assert len(from_file) == 4  # the IP, the domain, the e-mail address, the network
    assert not any(value == "hidden.example" for value, _ in from_file)
