"""The log scanner gives exactly what the per-line matcher gives, only faster; and a reader
never gets a hit on an indicator they may not see."""

import io
import random
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from aseancyber.matching import service
from aseancyber.matching.compiler import compile_pattern
from aseancyber.matching.index import MatchIndex
from aseancyber.matching.logscan import LineHit, LogScanner, blocks, scan_exactly
from tests.factories import actor
from tests.matching.test_matching import _label_world
from tests.matrix import EXPECTED
from tests.readers import World

AT = datetime(2026, 6, 1, tzinfo=UTC)

EQUALITY = [
    "[ipv4-addr:value = '198.51.100.23']",
    "[ipv4-addr:value = '10.0.0.1']",
    "[domain-name:value = 'Evil.Example.']",
    "[domain-name:value = 'sub.bad.example']",
    "[domain-name:value = '_dmarc.bad.example']",
    "[url:value = 'HTTP://Dl.Example/Payload/A.exe']",
    "[url:value = 'https://cdn.example/x?q=1']",
    "[email-addr:value = 'Phish@Mail.Example']",
    "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']",
    "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
    "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
    "[url:value = 'http://σίγμας.example/ΑΣ']",
    "[domain-name:value = 'kelvin.example']",
]
NETWORKS = [
    "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",
    "[ipv4-addr:value ISSUPERSET '192.0.2.0/28']",
    "[ipv4-addr:value = '192.0.2.128/25']",
    "[ipv4-addr:value ISSUBSET '10.0.0.1/32']",
]
# Networks the automaton finds by their leading octets (no ISSUPERSET): a /24, a /20 (sixteen
# third octets), a /9 (128 second octets), a CIDR-valued equality and a host route.
SUBNETS = [
    "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",
    "[ipv4-addr:value ISSUBSET '198.18.16.0/20']",
    "[ipv4-addr:value ISSUBSET '10.128.0.0/9']",
    "[ipv4-addr:value = '192.0.2.128/25']",
    "[ipv4-addr:value ISSUBSET '10.0.0.1/32']",
]
IPV6 = [
    "[ipv6-addr:value = '2001:DB8:0:0::1']",
    "[ipv6-addr:value ISSUBSET '2001:db8:ff::/48']",
]
EXPRESSIONS = ["[url:value LIKE 'http://dl.example/%']"]

HOSTILE = [
    "Dec  6 kernel: IN=eth0 SRC=10.0.0.1 DST=198.51.100.23 PROTO=TCP\n",
    "SRC=110.0.0.15 DST=198.51.100.234 x198.51.100.23y 198.51.100.23_ 1198.51.100.23\n",
    "GET HTTP://DL.EXAMPLE/Payload/A.exe 200\n",
    "GET http://dl.example/payload/a.exe (lower-case path: another URL)\n",
    "GET hxxp://dl[.]example/Payload/A.exe defanged\n",
    'url="https://cdn.example/x?q=1" host=EVIL.EXAMPLE. via sub.evil.example\n',
    "visit xevil.example or evil.examples or evil.example-x or evil.example\n",
    "from=phish@mail.example.comx to=PHISH@MAIL.EXAMPLE x.phish@mail.example\n",
    "cc=phish@mail.example1\n",
    "hash D41D8CD98F00B204E9800998ECF8427E and d41d8cd98f00b204e9800998ecf8427e0\n",
    "sha256=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 ok\n",
    "sha1 DA39A3EE5E6B4B0D3255BFEF95601890AFD80709,\n",
    "  evil.example  \n",
    "2001:0db8:0000:0000:0000:0000:0000:0001\n",
    "peer [2001:db8::1]:443 and http://[2001:DB8::1]/a and 2001:db8:ff:1::7\n",
    "time 04:00:12 ::1 fe80::1%eth0 ::ffff:203.0.113.9\n",
    "net 203.0.113.77/24 192.0.2.0/26 192.0.2.130/25 10.0.0.1/32 http://10.0.0.1/8\n",
    "a.ab-1.203.0.113.5.9 1.2.3.4.203.0.113.8\n",
    "http://σίγμας.example/ΑΣ and HTTP://ΣΊΓΜΑΣ.EXAMPLE/ΑΣ' x\n",
    "kelvin: \u212aELVIN.EXAMPLE and İevil.example and evil.exampleİ\n",
    "_dmarc.bad.example sub.bad.example SUB.BAD.EXAMPLE\n",
    "NUL\x00evil.example\x00 tab\tevil.example\r\n",
    "\n",
    "203.0.113.5\n",
    "in 198.18.31.255 198.18.16.0/21 out 198.18.32.1 198.18.15.255 10.200.3.4 10.127.255.255\n",
    "wide 10.128.0.0/9 10.0.0.0/8 192.0.2.200 192.0.2.127 x10.200.3.4 10.200.3.4x\n",
    "fake md5 0000000000000000e9800998ecf8427e and e9800998ecf8427e\n",
    "evil[.]example",
]


def _index(*groups: list[str]) -> MatchIndex:
    index = MatchIndex()
    for n, pattern in enumerate(p for group in groups for p in group):
        index.add(n, compile_pattern(pattern))
    return index


def _hits(found: object) -> list[tuple[int, str, str, tuple[int, ...]]]:
    assert not isinstance(found, str)
    return [
        (h.line, h.observable.kind, h.observable.value, tuple(h.postings))
        for h in found  # type: ignore[attr-defined]
        if isinstance(h, LineHit)
    ]


def _generated_log(rng: random.Random, lines: int) -> str:
    values = [
        "198.51.100.23",
        "EVIL.example",
        "HTTP://Dl.Example/Payload/A.exe",
        "phish@mail.example",
        "203.0.113.40",
        "192.0.2.0/27",
        "2001:db8:ff:2::9",
        "d41d8cd98f00b204e9800998ecf8427e",
    ]
    out = []
    for n in range(lines):
        value = rng.choice(values) if rng.random() < 0.05 else f"www.site{n}.com"
        src = f"172.16.{n % 256}.{n % 250 + 1}"
        out.append(
            f"date=2026-12-06 time=17:00:{n % 60:02d} srcip={src} dstip=45.{n % 256}.1.2 "
            f'hostname="{value}" url="http://{value}/p?{n}" action="accept"\n'
        )
    return "".join(out)


CONFIGURATIONS = {
    "equality": (EQUALITY,),
    "networks": (EQUALITY, NETWORKS),
    "subnets": (EQUALITY, SUBNETS),
    "ipv6": (EQUALITY, IPV6),
    "everything": (EQUALITY, NETWORKS, IPV6),
    "expressions": (EQUALITY, NETWORKS, EXPRESSIONS),
}


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_the_scanner_answers_what_the_line_matcher_answers(name: str) -> None:
    index = _index(*CONFIGURATIONS[name])
    scanner = LogScanner(index, AT)
    text = "".join(HOSTILE) + _generated_log(random.Random(name), 2_000)
    expected = _hits(scan_exactly(index, text, AT))
    assert _hits(scanner.scan(text)) == expected
    assert len({line for line, *_ in expected}) > 50  # the log does hit
    if name != "expressions":
        # ...and the prefilter does its work: most lines never reach the exact matcher.
        assert len(scanner.candidates(text)) < 400
    else:
        assert scanner.exhaustive


def test_hostile_lines_hit_exactly_what_the_standards_say() -> None:
    scanner = LogScanner(_index(EQUALITY, NETWORKS, IPV6), AT)
    found = {(h.line, h.observable.value) for h in scanner.scan("".join(HOSTILE))}
    assert (0, "198.51.100.23") in found
    assert (2, "http://dl.example/Payload/A.exe") in found  # scheme and host fold, path not
    assert not any(line == 3 and "payload/a.exe" in value for line, value in found)
    assert (4, "http://dl.example/Payload/A.exe") in found  # refanged
    assert (6, "evil.example") in found
    assert (7, "phish@mail.example") in found
    assert (8, "phish@mail.example") in found  # an address's end needs no word boundary
    assert (9, "d41d8cd98f00b204e9800998ecf8427e") in found  # hashes ignore case
    assert (13, "2001:db8::1") in found  # IPv6 in any spelling
    assert (16, "203.0.113.0/24") in found  # a network inside a CIDR indicator
    assert (1, "198.51.100.23") not in found  # not as part of a longer number


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "198.51.100.23",
                "10.0.0.1",
                "203.0.113.",
                "/24",
                "/32",
                "2001:db8",
                "::",
                ":1",
                "ff",
                "evil",
                ".example",
                "EVIL",
                "[.]",
                "hxxp://",
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
                "\n",
                '"',
                "'",
                "<",
                "ΑΣ",
                "σίγμας",
                "\u212a",
                "İ",
                ".",
                ":",
                "x",
            ]
        ),
        max_size=40,
    )
)
def test_any_text_scans_as_the_line_matcher_reads_it(parts: list[str]) -> None:
    text = "".join(parts)
    for scanner in FUZZ_SCANNERS:
        assert _hits(scanner.scan(text)) == _hits(scan_exactly(scanner.index, text, AT))


FUZZ_SCANNERS = [
    LogScanner(_index(EQUALITY), AT),
    LogScanner(_index(EQUALITY, NETWORKS, IPV6), AT),
]


def test_blocks_are_whole_lines_decoded_as_line_by_line() -> None:
    raw = b"".join(
        [b"caf\xc3\xa9 10.0.0.1\n", b"bad \xc3 byte\n", b"x" * 300 + b"\n", b"\xe2\x82\n", b"end"]
    )
    texts = list(blocks(io.BytesIO(raw), size=64))
    assert all(text.endswith("\n") for text in texts[:-1])
    by_line = [line.decode("utf-8", errors="replace") for line in io.BytesIO(raw)]
    assert "".join(texts) == "".join(by_line)


@pytest.mark.parametrize("reader", sorted(set(EXPECTED) - {"anonymous"}))
def test_a_log_hits_only_what_the_reader_may_see(db: Session, world: World, reader: str) -> None:
    ips = _label_world(db, world)
    log = "".join(f"Dec  6 fw: SRC=172.16.0.1 DST={ip} PROTO=TCP\n" for ip in ips.values())
    visible = service.visible_index(db, actor=actor(getattr(world, reader)), at=None)
    scanner = LogScanner(visible.index, datetime.now(UTC))
    names = {
        visible.hits[str(visible.index.keys[posting])].name
        for found in scanner.scan(log)
        for posting in found.postings
    }
    assert names == EXPECTED[reader]
