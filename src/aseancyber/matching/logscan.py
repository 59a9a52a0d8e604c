"""Matching log files at grep speed: find the few lines that may hit in one pass over a
block of lines, and run the exact per-line matcher on those lines only.

The exact matcher (:func:`aseancyber.matching.service.line_observables` and
:meth:`MatchIndex.match`) extracts every observable of a line with a regular expression and
costs some 100 microseconds a line; most lines of a firewall log hit nothing. So a block
of lines is refanged and lower-cased once, and three cheap scans name the lines that *may*
hit; only those are matched exactly, so the answers are the exact matcher's by
construction, as long as the scans miss no line it would hit:

- an Aho-Corasick automaton (ahocorasick-rs) over the lower-cased equality keys of the
  domain, URL, e-mail, hash and IPv4 kinds, with grep ``-w``'s word-boundary check where
  the exact matcher has one (every canonical value the exact matcher can produce for these
  kinds is, lower-cased, a substring of the lower-cased refanged line). A hash is looked
  for by its last 16 digits (a random hash is named by them; the exact matcher reads the
  whole token), and an IPv4 network (``ISSUBSET``, a CIDR-valued key) by the leading
  octets every address in it starts with (``203.0.113.`` for a /24, sixteen such for a
  /20): an address or network inside it is written with them;
- for IP addresses when the automaton cannot name them (``ISSUPERSET`` on IPv4, IPv6
  keys or networks, evaluated IP patterns): every IPv4 / IPv6 candidate of the line, found
  at every start position (overlapping, so no earlier match can hide one), with and
  without a ``/prefix`` (a URL host drops it), asked of the index itself; so networks
  are still evaluated exactly, through the same :meth:`MatchIndex.match`;
- with those IP scans, lines that are one token (the exact matcher then reads the whole
  line as one observable, e.g. ``2001:DB8:0::1``) go to the exact matcher as they are.

A file is read as raw blocks (:func:`raw_blocks`, :meth:`LogScanner.scan_block`): a block
that is ASCII and holds no defanging mark (the automaton finds those too, in the same
pass) needs no decoding, refanging or case folding beyond ``bytes.lower``, so one
automaton search over the whole block names the lines, and a named line is read by the
exact matcher only in the tokens the keys were found in (:func:`_token_observables` says
why that is exact). Any other block goes through the text path above. The automaton is
kept in a small cache keyed by its keys, so an unchanged index reuses it in a process; its
keys are sorted first (the trie then builds two to three times faster), and it is a
contiguous NFA until it has read enough bytes for a DFA's slower build to pay off.

A kind whose indicators need evaluation on every observable (``LIKE``, ``MATCHES``, scan
patterns on domains, URLs, e-mail addresses or hashes) cannot be prefiltered: then every
line is matched exactly (correct, at the old speed), which :attr:`LogScanner.exhaustive`
says.

The TLP filter is not here: the index holds only what the reader may see
(:func:`aseancyber.matching.service.visible_index`, a SQL filter applied once per indicator).
"""

import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from ahocorasick_rs import BytesAhoCorasick, Implementation

from aseancyber.matching.index import MatchIndex
from aseancyber.matching.observables import (
    Observable,
    in_text,
    ip_observable,
    parse_network,
    refang,
)
from aseancyber.matching.service import line_observables

# Kinds the automaton can prefilter: their canonical value, lower-cased, is a substring of
# the lower-cased refanged text.
SUBSTRING_KINDS = ("domain-name", "url", "email-addr", "md5", "sha1", "sha256")
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_")
_IP4 = r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"
_IP6 = r"(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{0,4}|\d+\.\d+\.\d+\.\d+)"
# Every start position, overlapping (a lookahead consumes nothing): with the prefix as the
# free-text scanner reads it, and bare as a URL host is read.
_IP_SCANS = {
    4: (re.compile(rf"(?=({_IP4}(?:/\d{{1,2}})?\b))"), re.compile(rf"(?=({_IP4}\b))")),
    6: (
        re.compile(rf"(?=({_IP6}(?:/\d{{1,3}})?))", re.IGNORECASE),
        re.compile(rf"(?=({_IP6}))", re.IGNORECASE),
    ),
}
# An IPv4 candidate lies inside one run of digits, dots and slashes with three dots or more:
# the overlapping scans run on those runs only (a lookahead at every position of the text
# costs ten times more).
# Read alone, a run has word boundaries at both ends, so it yields more candidates, never fewer.
_IP4_RUN = re.compile(r"[0-9][0-9/]*\.[0-9/]*\.[0-9/]*\.[0-9./]*")  # three dots at least
_DOTTED = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_HXXP = re.compile(r"\bhxxp", re.IGNORECASE)
_NEWLINE = re.compile("\n")
# A token: no match of the free-text scanner spans whitespace (``\s`` as ``str.split`` reads it).
_TOKEN = re.compile(r"\S+")
BLOCK = 4 << 20  # bytes read at a time


def raw_blocks(source: BinaryIO, size: int = BLOCK) -> Iterator[bytes]:
    """The bytes of ``source`` in blocks of whole lines (each ending with a newline but the
    file's last)."""
    rest = b""
    while chunk := source.read(size):
        chunk = rest + chunk
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:
            rest = chunk  # one line longer than a block: read on
            continue
        rest = chunk[cut:]
        yield chunk[:cut]
    if rest:
        yield rest


def blocks(source: BinaryIO, size: int = BLOCK) -> Iterator[str]:
    """The text of ``source`` in blocks of whole lines, decoded as UTF-8 with bad bytes
    replaced, as reading it line by line would (a newline byte is never part of a UTF-8
    sequence, so a cut after one never splits a character)."""
    for block in raw_blocks(source, size):
        yield block.decode("utf-8", errors="replace")


def _ip_candidates(text: str, version: int) -> Iterator[tuple[int, str]]:
    """(position, text) of every IP candidate of ``text``, overlapping, with and without a
    ``/prefix``."""
    scans = _IP_SCANS[version]
    if version == 6:
        for scan in scans:
            for match in scan.finditer(text):
                yield match.start(), match.group(1)
        return
    for run in _IP4_RUN.finditer(text):
        span = run.group()
        if "/" not in span and _DOTTED.fullmatch(span):
            yield run.start(), span  # the common case: one address, its only candidate
            continue
        for scan in scans if "/" in span else scans[:1]:  # without a "/" both read alike
            for match in scan.finditer(span):
                yield run.start() + match.start(), match.group(1)


def fold(text: str) -> str:
    """Lower case without context: ``str.lower`` writes a final sigma differently."""
    lowered = text.lower()
    return lowered.replace("\u03c2", "\u03c3") if "\u03c2" in lowered else lowered


def _refanged(text: str) -> str:
    """What :func:`aseancyber.matching.service.line_observables` does to each line."""
    text = refang(text)
    return _HXXP.sub("http", text) if "xxp" in text.lower() else text


@dataclass(frozen=True, slots=True)
class LineHit:
    """One observable of one line (0-based within the block) and the postings it matched."""

    line: int
    observable: Observable
    postings: Sequence[int]


class LogScanner:
    """Prefilter and exact matcher for blocks of log text, built once per index."""

    def __init__(self, index: MatchIndex, at: datetime) -> None:
        self.index = index
        self.at = at
        self.exhaustive = any(index.slow[kind] for kind in SUBSTRING_KINDS)
        # IPv4 networks are found by the automaton through their leading octets, except
        # ISSUPERSET ones (an observed network wider than them shares fewer octets) and
        # evaluated IPv4 patterns: those need every IPv4 candidate asked of the index.
        ip4 = index.slow["ipv4-addr"] or any(key[0] == 4 for key in index.supernets)
        ip6 = index.networks[6] or index.slow["ipv6-addr"] or bool(index.eq["ipv6-addr"])
        self.ip_versions = [version for version, needed in ((4, ip4), (6, ip6)) if needed]
        self.automaton = _automaton(automaton_keys(index, ipv4=not ip4))
        self._ip_cache: dict[str, bool] = {}

    @property
    def keys(self) -> list[bytes]:
        """The automaton's keys (lower-cased, UTF-8)."""
        return self.automaton.keys

    def candidates(self, text: str) -> set[int]:
        """Numbers (0-based) of the lines of ``text`` that may hit: a superset of those that do."""
        folded = fold(_refanged(text))
        data = folded.encode()
        found = {number for number, _, _ in self.automaton.lines(data) or ()}
        return found | set(self._ip_lines(folded))

    def _ip_lines(self, folded: str) -> dict[int, int]:
        """The lines of (folded, refanged) ``folded`` the IP scans name, as number: offset of
        the line's start (in ``folded``)."""
        if not self.ip_versions:
            return {}
        starts = [0, *(m.end() for m in _NEWLINE.finditer(folded))]
        found: set[int] = set()
        for version in self.ip_versions:
            found_at = list(_ip_candidates(folded, version))
            hitting = self._hitting({candidate for _, candidate in found_at})
            if hitting:
                found.update(
                    bisect_right(starts, at) - 1
                    for at, candidate in found_at
                    if candidate in hitting
                )
        # A line that is one token is read whole when it holds no other observable
        # (``2001:DB8:0::1``): those go to the exact matcher as they are.
        for number, line in enumerate(folded.split("\n")):
            if " " not in line.strip() and len(line.split()) == 1:
                found.add(number)
        return {number: starts[number] for number in found}

    def _hitting(self, candidates: set[str]) -> set[str]:
        """The IP candidates that match something in the index."""
        cache, index, at = self._ip_cache, self.index, self.at
        hitting = set()
        for candidate in candidates:
            known = cache.get(candidate)
            if known is None:
                observable = ip_observable(candidate)
                known = observable is not None and bool(index.match(observable, at))
                if len(cache) < 1_000_000:
                    cache[candidate] = known
            if known:
                hitting.add(candidate)
        return hitting

    def scan(self, text: str) -> Iterator[LineHit]:
        """Every observable of the lines of ``text`` that matches, with its postings: what
        matching each line exactly (:func:`scan_exactly`) gives, line by line."""
        index, at = self.index, self.at
        lines = text.split("\n")
        if self.exhaustive:
            numbers: Sequence[int] = range(len(lines))
        else:
            numbers = sorted(self.candidates(text))
        last = len(lines) - 1
        for number in numbers:
            line = lines[number] if number == last else lines[number] + "\n"
            for observable in line_observables(line):
                postings = index.match(observable, at)
                if postings:
                    yield LineHit(number, observable, postings)

    def scan_block(self, data: bytes) -> Iterator[LineHit]:
        """:meth:`scan` of ``data`` decoded as UTF-8 (bad bytes replaced), read in place when
        it is ASCII and holds no defanging: then the lower-cased bytes are the folded text,
        byte for byte, one automaton search covers the block, and a line it names is read
        only in the tokens the keys were found in (see :func:`_token_observables`)."""
        if self.exhaustive or not data.isascii():
            yield from self.scan(data.decode("utf-8", errors="replace"))
            return
        lowered = data.lower()
        by_line = self.automaton.lines(lowered, refuse_defanged=True)
        if by_line is None:  # defanged somewhere: refanging moves offsets, read it as text
            yield from self.scan(data.decode("ascii"))
            return
        ip_lines = self._ip_lines(lowered.decode("ascii")) if self.ip_versions else {}
        whole = dict.fromkeys(ip_lines, True)
        starts = {number: start for number, start, _ in by_line}
        spans: dict[int, list[tuple[int, int]]] = {}
        for number, start, span in by_line:
            whole.setdefault(number, False)
            spans.setdefault(number, []).append((span[0] - start, span[1] - start))
        starts.update(ip_lines)
        index, at = self.index, self.at
        for number in sorted(whole):
            start = starts[number]
            end = data.find(b"\n", start) + 1 or len(data)
            line = data[start:end].decode("ascii")
            if whole[number]:
                observables = line_observables(line)
            else:
                observables = _token_observables(line, spans[number])
            for observable in observables:
                postings = index.match(observable, at)
                if postings:
                    yield LineHit(number, observable, postings)


def _folded(keys: Collection[str]) -> list[bytes]:
    """:func:`fold` of each key, UTF-8 encoded: in one string operation when no key holds a
    newline (folding is per character, so folding the joined keys folds each)."""
    joined = "\n".join(keys)
    if joined.count("\n") != len(keys) - 1:
        return [fold(key).encode() for key in keys]
    return fold(joined).encode().split(b"\n") if keys else []


def _ipv4_prefixes(length: int, network: int) -> list[bytes]:
    """Texts that every address of the IPv4 network (``network`` its integer address,
    ``length`` its prefix) begins with: its first one to three octets and a dot. A /24 or
    longer gives one (wider than the network: the exact matcher decides), a /20 sixteen."""
    octets = max(1, min((length + 7) // 8, 3))
    free = 8 * octets - min(length, 8 * octets)  # bits of the last octet the network leaves open
    first = network >> (32 - 8 * octets) >> free << free
    lead = ".".join(str(network >> (24 - 8 * n) & 255) for n in range(octets - 1))
    lead = f"{lead}." if lead else ""
    return [f"{lead}{value}.".encode() for value in range(first & 255, (first & 255) + (1 << free))]


def ipv4_networks(index: MatchIndex) -> list[tuple[int, int]]:
    """(prefix length, integer network) of every IPv4 network the index compares observables
    with: ``ISSUBSET`` entries and CIDR-valued equality keys."""
    found = [
        (length, shifted << (32 - length))
        for (version, length), bucket in index.subnets.items()
        if version == 4
        for shifted in bucket
    ]
    for key in index.eq["ipv4-addr"]:
        if "/" in key:
            parsed = parse_network(key)
            if parsed is not None and parsed[0] == 4:
                found.append((parsed[2], parsed[1]))
    return found


@dataclass(frozen=True, slots=True)
class Keys:
    """What the automaton looks for, by the word-boundary checks each part takes (grep
    ``-w``'s, only where the exact matcher's expression has a boundary).

    - ``whole``: canonical values checked at both ends;
    - ``open_right``: e-mail addresses (an address's end has no boundary) and IPv4 network
      prefixes (``203.0.113.``), checked at the start only;
    - ``open_left``: the last :data:`HASH_WINDOW` characters of each hash, checked at the end
      only (a hash is random: a window of 16 hex digits names it, with a quarter of the
      automaton's states).
    """

    whole: frozenset[bytes]
    open_right: frozenset[bytes]
    open_left: frozenset[bytes]


HASH_KINDS = ("md5", "sha1", "sha256")
HASH_WINDOW = 16


def automaton_keys(index: MatchIndex, *, ipv4: bool) -> Keys:
    """The folded keys of the substring kinds; with ``ipv4`` also the IPv4 addresses and the
    leading octets of the IPv4 networks."""
    whole: list[bytes] = []
    for kind in ("domain-name", "url"):
        whole += _folded(index.eq[kind])
    open_right = _folded(index.eq["email-addr"])
    if ipv4:
        whole += _folded([key for key in index.eq["ipv4-addr"] if "/" not in key])
        for length, network in ipv4_networks(index):
            open_right += _ipv4_prefixes(length, network)
    open_left = [key[-HASH_WINDOW:] for kind in HASH_KINDS for key in _folded(index.eq[kind])]
    return Keys(
        frozenset(whole).difference((b"",)),
        frozenset(open_right).difference((b"",)),
        frozenset(open_left).difference((b"",)),
    )


class _Automaton:
    """One Aho-Corasick automaton over the keys and the defanging marks, searched once per
    block. It starts as a contiguous NFA (built five times faster than a DFA) and becomes a
    DFA (searched half again faster) once it has searched :data:`DFA_AFTER` bytes, when the
    DFA's build has paid for itself."""

    def __init__(self, keys: Keys) -> None:
        # Sorted: the trie is then built in order, two to three times faster.
        self.keys = sorted(keys.whole | keys.open_right | keys.open_left)
        # A key in several parts takes the fewest checks (each part's acceptance holds).
        self.open_right, self.open_left = keys.open_right, keys.open_left
        self.first_mark = len(self.keys)
        self.searched = 0
        self.implementation = Implementation.ContiguousNFA
        self.searcher = self._build()

    def _build(self) -> BytesAhoCorasick:
        return BytesAhoCorasick([*self.keys, *DEFANGING], implementation=self.implementation)

    def _matches(self, data: bytes) -> list[tuple[int, int, int]]:
        if self.implementation is not Implementation.DFA and self.searched > DFA_AFTER:
            self.implementation = Implementation.DFA
            self.searcher = self._build()
        self.searched += len(data)
        return self.searcher.find_matches_as_indexes(data, overlapping=True)

    def lines(
        self, data: bytes, *, refuse_defanged: bool = False
    ) -> list[tuple[int, int, tuple[int, int]]] | None:
        """(line number, offset of the line's start, key span) of every key found in
        ``data`` with its word boundaries; with ``refuse_defanged``, ``None`` as soon as
        ``data`` holds a defanging mark (the caller refangs it first)."""
        keys, open_right, open_left, first_mark = (
            self.keys,
            self.open_right,
            self.open_left,
            self.first_mark,
        )
        found = []
        line = counted = line_start = 0  # data[:counted] holds ``line`` newlines
        last = len(data) - 1
        for key, start, end in self._matches(data):
            if key >= first_mark:
                if refuse_defanged:
                    return None
                continue
            if start > 0 and data[start - 1] in _WORD:
                text = keys[key]
                if text[0] in _WORD and text not in open_left:
                    continue
            if end <= last and data[end] in _WORD:
                text = keys[key]
                if text[-1] in _WORD and text not in open_right:
                    continue
            more = data.count(b"\n", counted, start)
            if more:
                line += more
                line_start = data.rfind(b"\n", counted, start) + 1
            counted = start
            found.append((line, line_start, (start, end)))
        return found


# Defanging marks (lower case): a block holding one is refanged before it is searched.
DEFANGING = (b"[.]", b"(.)", b"[:]", b"[@]", b"hxxp")
_CACHE: "OrderedDict[Keys, _Automaton]" = OrderedDict()
CACHED_AUTOMATA = 4
# A DFA builds in about 0.3 s more per 100,000 keys and searches some 1 ns a byte faster.
DFA_AFTER = 256 << 20


def _automaton(keys: Keys) -> _Automaton:
    """The automaton of ``keys``, from a small cache keyed by the keys themselves (compared
    whole, not by a digest): an index that has not changed reuses it."""
    found = _CACHE.get(keys)
    if found is None:
        found = _Automaton(keys)
        _CACHE[keys] = found
        while len(_CACHE) > CACHED_AUTOMATA:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(keys)
    return found


def _token_observables(line: str, spans: Sequence[tuple[int, int]]) -> list[Observable]:
    """:func:`line_observables` of an ASCII ``line`` without defanging, read only in the
    whitespace-separated tokens that overlap ``spans`` (where keys were found).

    Exactly the same hits: no match of the free-text scanner holds whitespace, and its
    boundaries and look-behinds treat the start of a string as they treat whitespace,
    so scanning token by token finds what scanning the line finds; an observable that
    hits has its key inside its own token (the prefilter's premise), so the tokens
    skipped hold no hit, and they only matter for the line-wide de-duplication of values
    that never hit. When the tokens read hold no observable at all the whole line is read
    (it may then be one observable that only :func:`detect` reads)."""
    tokens = list(_TOKEN.finditer(line))
    if len(tokens) <= 1:
        return line_observables(line)
    ends = [token.end() for token in tokens]
    chosen: set[int] = set()
    for start, end in spans:
        at = bisect_right(ends, start)  # the first token ending after the key's start
        while at < len(tokens) and tokens[at].start() < end:
            chosen.add(at)
            at += 1
    seen: set[str] = set()
    found: list[Observable] = []
    read = False
    for at in sorted(chosen):
        for observable in in_text(tokens[at].group()):
            read = True
            if observable.value not in seen:
                seen.add(observable.value)
                found.append(observable)
    return found if read else line_observables(line)


def scan_exactly(index: MatchIndex, text: str, at: datetime) -> Iterator[LineHit]:
    """The reference: every line through the exact matcher, as ``aseancyber match`` did
    before the scanner (what :meth:`LogScanner.scan` must equal)."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        for observable in line_observables(line if number == len(lines) - 1 else line + "\n"):
            postings = index.match(observable, at)
            if postings:
                yield LineHit(number, observable, postings)
