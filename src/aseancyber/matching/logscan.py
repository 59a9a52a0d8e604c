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

A kind whose indicators need evaluation on every observable (``LIKE``, ``MATCHES``, scan
patterns on domains, URLs, e-mail addresses or hashes) cannot be prefiltered: then every
line is matched exactly (correct, at the old speed), which :attr:`LogScanner.exhaustive`
says.

The TLP filter is not here: the index holds only what the reader may see
(:func:`aseancyber.matching.service.visible_index`, a SQL filter applied once per indicator).
"""

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from ahocorasick_rs import BytesAhoCorasick, Implementation

from aseancyber.matching.index import MatchIndex
from aseancyber.matching.observables import Observable, ip_observable, refang
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
BLOCK = 4 << 20  # bytes read at a time


def blocks(source: BinaryIO, size: int = BLOCK) -> Iterator[str]:
    """The text of ``source`` in blocks of whole lines (each ending with a newline but the
    file's last), decoded as UTF-8 with bad bytes replaced, as reading it line by line would."""
    rest = b""
    while chunk := source.read(size):
        chunk = rest + chunk
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:
            rest = chunk  # one line longer than a block: read on
            continue
        rest = chunk[cut:]
        yield chunk[:cut].decode("utf-8", errors="replace")
    if rest:
        yield rest.decode("utf-8", errors="replace")


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
        flags: dict[bytes, tuple[bool, bool]] = {}
        for kind in kinds:
            for key in index.eq[kind]:
                folded = fold(key).encode()
                if not folded:
                    continue
                # grep -w: no word character next to the match; only where the exact
                # matcher's expression has a boundary there (an e-mail's end has none).
                left = folded[0] in _WORD
                right = folded[-1] in _WORD and kind != "email-addr"
                old = flags.get(folded)
                flags[folded] = (
                    (left, right) if old is None else (old[0] and left, old[1] and right)
                )
        self.keys = list(flags)
        self.flags = [(len(key), *flags[key]) for key in self.keys]
        self.automaton = (
            BytesAhoCorasick(self.keys, implementation=Implementation.DFA) if self.keys else None
        )
        self._ip_cache: dict[str, bool] = {}

    def candidates(self, text: str) -> set[int]:
        """Numbers (0-based) of the lines of ``text`` that may hit: a superset of those that do."""
        folded = fold(_refanged(text))
        found: set[int] = set()
        if self.automaton is not None:
            found.update(self._automaton_lines(folded.encode()))
        starts: list[int] | None = None
        for version in self.ip_versions:
            found_at = list(_ip_candidates(folded, version))
            hitting = self._hitting({candidate for _, candidate in found_at})
            if hitting:
                starts = starts or [0, *(m.end() for m in re.finditer("\n", folded))]
                found.update(
                    bisect_right(starts, at) - 1
                    for at, candidate in found_at
                    if candidate in hitting
                )
        if self.ip_versions:
            # A line that is one token is read whole when it holds no other observable
            # (``2001:DB8:0::1``): those go to the exact matcher as they are.
            for number, line in enumerate(folded.split("\n")):
                if " " not in line.strip() and len(line.split()) == 1:
                    found.add(number)
        return found

    def _automaton_lines(self, data: bytes) -> Iterator[int]:
        assert self.automaton is not None
        flags = self.flags
        line = counted = 0  # data[:counted] holds ``line`` newlines
        last = len(data) - 1
        for key, start, end in self.automaton.find_matches_as_indexes(data, overlapping=True):
            _, left, right = flags[key]
            if left and start > 0 and data[start - 1] in _WORD:
                continue
            if right and end <= last and data[end] in _WORD:
                continue
            line += data.count(b"\n", counted, start)
            counted = start
            yield line

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


def scan_exactly(index: MatchIndex, text: str, at: datetime) -> Iterator[LineHit]:
    """The reference: every line through the exact matcher, as ``aseancyber match`` did
    before the scanner (what :meth:`LogScanner.scan` must equal)."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        for observable in line_observables(line if number == len(lines) - 1 else line + "\n"):
            postings = index.match(observable, at)
            if postings:
                yield LineHit(number, observable, postings)
