"""Matching log files at grep speed: find the few lines that may hit in one pass over a
block of lines, and run the exact per-line matcher on those lines only.

The exact matcher (:func:`aseancyber.matching.service.line_observables` and
:meth:`MatchIndex.match`) extracts every observable of a line with a regular expression and
costs some 100 microseconds a line; most lines of a firewall log hit nothing. So a block
of lines is refanged and lower-cased once, and three cheap scans name the lines that *may*
hit; only those are matched exactly, so the answers are the exact matcher's by
construction, as long as the scans miss no line it would hit:

- an Aho-Corasick automaton (pyahocorasick) over the lower-cased equality keys of the
  domain, URL, e-mail and hash kinds (and IPv4 when there are no networks), with grep
  ``-w``'s word-boundary check where the exact matcher has one (every canonical value the
  exact matcher can produce for these kinds is, lower-cased, a substring of the lower-cased
  refanged line);
- for IP addresses when there are networks (``ISSUBSET`` / ``ISSUPERSET``), CIDR-valued
  keys, IPv6 keys or evaluated IP patterns: every IPv4 / IPv6 candidate of the line, found
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
kept in a small cache keyed by the digest of its keys, so an unchanged index reuses it.

A kind whose indicators need evaluation on every observable (``LIKE``, ``MATCHES``, scan
patterns on domains, URLs, e-mail addresses or hashes) cannot be prefiltered: then every
line is matched exactly (correct, at the old speed), which :attr:`LogScanner.exhaustive`
says.

The TLP filter is not here: the index holds only what the reader may see
(:func:`aseancyber.matching.service.visible_index`, a SQL filter applied once per indicator).
"""

import hashlib
import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from ahocorasick_rs import BytesAhoCorasick, Implementation

from aseancyber.matching.index import MatchIndex
from aseancyber.matching.observables import Observable, in_text, ip_observable, refang
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
        ip4 = (
            index.networks[4]
            or index.slow["ipv4-addr"]
            or any("/" in key for key in index.eq["ipv4-addr"])
        )
        ip6 = index.networks[6] or index.slow["ipv6-addr"] or bool(index.eq["ipv6-addr"])
        self.ip_versions = [version for version, needed in ((4, ip4), (6, ip6)) if needed]
        kinds = [*SUBSTRING_KINDS, *(() if ip4 else ("ipv4-addr",))]
        self.automaton = _automaton(_flagged_keys(index, kinds))
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
        ip_lines = self._ip_lines(lowered.decode("ascii"))
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


def _flagged_keys(index: MatchIndex, kinds: Sequence[str]) -> dict[bytes, tuple[bool, bool]]:
    """The folded keys of ``kinds``, each with grep ``-w``'s word-boundary checks (left,
    right), only where the exact matcher's expression has a boundary (an e-mail's end has
    none)."""
    flags: dict[bytes, tuple[bool, bool]] = {}
    for kind in kinds:
        for key in index.eq[kind]:
            folded = fold(key).encode()
            if not folded:
                continue
            left = folded[0] in _WORD
            right = folded[-1] in _WORD and kind != "email-addr"
            old = flags.get(folded)
            flags[folded] = (left, right) if old is None else (old[0] and left, old[1] and right)
    return flags


class _Automaton:
    """One Aho-Corasick automaton over the keys and the defanging marks, searched once per
    block."""

    def __init__(self, flags: dict[bytes, tuple[bool, bool]]) -> None:
        self.keys = list(flags)
        self.flags = [flags[key] for key in self.keys]
        self.first_mark = len(self.keys)
        self.searcher = BytesAhoCorasick([*self.keys, *DEFANGING], implementation=IMPLEMENTATION)

    def lines(
        self, data: bytes, *, refuse_defanged: bool = False
    ) -> list[tuple[int, int, tuple[int, int]]] | None:
        """(line number, offset of the line's start, key span) of every key found in
        ``data`` with its word boundaries; with ``refuse_defanged``, ``None`` as soon as
        ``data`` holds a defanging mark (the caller refangs it first)."""
        flags, first_mark = self.flags, self.first_mark
        found = []
        line = counted = line_start = 0  # data[:counted] holds ``line`` newlines
        last = len(data) - 1
        for key, start, end in self.searcher.find_matches_as_indexes(data, overlapping=True):
            if key >= first_mark:
                if refuse_defanged:
                    return None
                continue
            left, right = flags[key]
            if left and start > 0 and data[start - 1] in _WORD:
                continue
            if right and end <= last and data[end] in _WORD:
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
_CACHE: "OrderedDict[bytes, _Automaton]" = OrderedDict()
CACHED_AUTOMATA = 4
# The fastest search; it builds in about 0.5 s per 100,000 keys, hence the cache.
IMPLEMENTATION = Implementation.DFA


def _automaton(flags: dict[bytes, tuple[bool, bool]]) -> _Automaton:
    """The automaton of ``flags``, from a small cache keyed by its content: an index that
    has not changed (the same visible indicators) reuses it, a changed one builds anew."""
    digest = hashlib.blake2b(digest_size=16)
    for key in sorted(flags):
        left, right = flags[key]
        digest.update(b"%d %d %d " % (len(key), left, right))
        digest.update(key)
    name = digest.digest()
    found = _CACHE.get(name)
    if found is None:
        found = _Automaton(flags)
        _CACHE[name] = found
        while len(_CACHE) > CACHED_AUTOMATA:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(name)
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
