"""Reading the operator's IP-to-ASN files into disjoint ranges, without a database.

Two formats are understood:

- RouteViews ``pfx2as``: ``prefix<TAB>length<TAB>asn``, where asn may be ``a_b``
  (announced by several origins) or ``a,b`` (an AS set); the first origin is kept as
  the range's AS and all of them as ``origins``.
- iptoasn.com TSV: ``range_start<TAB>range_end<TAB>AS_number<TAB>country_code<TAB>AS_description``
  (IPv4 and IPv6 files alike); AS 0 means "not routed" and is skipped.

pfx2as prefixes nest (a /16 and a /24 inside it); :func:`flatten` cuts them into disjoint
ranges where the most specific announcement wins, so a lookup is one binary search.
"""

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

FORMATS = ("pfx2as", "iptoasn")


class AsnFileProblem(Exception):
    """A line of the file that cannot be read, named by its number."""


@dataclass(frozen=True)
class RawRange:
    family: int
    start: int
    end: int
    asn: int
    origins: str = ""


@dataclass
class ParsedFile:
    ranges: list[RawRange] = field(default_factory=list)
    names: dict[int, tuple[str, str]] = field(default_factory=dict)  # asn -> (name, country)
    skipped: int = 0  # comment, blank and not-routed lines


def detect_format(first_line: str) -> str:
    """``pfx2as`` or ``iptoasn``, from the shape of the first data line."""
    parts = first_line.rstrip("\r\n").split("\t")
    if len(parts) >= 3 and parts[1].isdigit() and "." not in parts[1] and ":" not in parts[1]:
        return "pfx2as"
    if len(parts) >= 3:
        return "iptoasn"
    raise AsnFileProblem(
        "line 1: expected tab-separated pfx2as (prefix, length, asn) or iptoasn "
        "(start, end, asn, country, description) columns"
    )


def _origins(text: str, number: int) -> tuple[int, str]:
    cleaned = text.strip().strip("{}")
    parts = [p for p in cleaned.replace("_", ",").split(",") if p]
    if not parts or not all(p.isascii() and p.isdigit() for p in parts):
        raise AsnFileProblem(f"line {number}: AS number {text[:40]!r} is not a number")
    if any(len(p) > 10 or int(p) > 4_294_967_295 for p in parts):
        raise AsnFileProblem(f"line {number}: AS number {text[:40]!r} is beyond 32 bits")
    first = int(parts[0])
    return first, (text.strip()[:200] if len(parts) > 1 else "")


def parse_lines(
    lines: Iterable[str], file_format: str
) -> Iterator[RawRange | tuple[int, str, str]]:
    """Each range of the file (and, for iptoasn, ``(asn, name, country)``); raises on bad lines."""
    if file_format not in FORMATS:
        raise AsnFileProblem(f"unknown format {file_format!r}; choose pfx2as or iptoasn")
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if file_format == "pfx2as":
            yield _pfx2as(parts, number)
        else:
            yield from _iptoasn(parts, number)


def _pfx2as(parts: list[str], number: int) -> RawRange:
    if len(parts) < 3:
        raise AsnFileProblem(f"line {number}: expected prefix, length and AS, tab-separated")
    try:
        network = ipaddress.ip_network(f"{parts[0].strip()}/{parts[1].strip()}", strict=False)
    except ValueError as error:
        raise AsnFileProblem(f"line {number}: {error}") from None
    asn, origins = _origins(parts[2], number)
    return RawRange(
        network.version,
        int(network.network_address),
        int(network.broadcast_address),
        asn,
        origins,
    )


def _iptoasn(parts: list[str], number: int) -> Iterator[RawRange | tuple[int, str, str]]:
    if len(parts) < 3:
        raise AsnFileProblem(f"line {number}: expected range start, range end and AS number")
    try:
        start = ipaddress.ip_address(parts[0].strip())
        end = ipaddress.ip_address(parts[1].strip())
    except ValueError as error:
        raise AsnFileProblem(f"line {number}: {error}") from None
    if start.version != end.version or int(end) < int(start):
        raise AsnFileProblem(f"line {number}: the range end is before its start or another family")
    asn, origins = _origins(parts[2], number)
    if asn == 0:  # iptoasn writes "0 Not routed" for the gaps
        return
    yield RawRange(start.version, int(start), int(end), asn, origins)
    country = parts[3].strip().upper() if len(parts) > 3 else ""
    name = parts[4].strip() if len(parts) > 4 else ""
    if country in {"NONE", "ZZ"} or len(country) != 2 or not country.isalpha():
        country = ""
    yield asn, name[:300], country


def read(lines: Iterable[str], file_format: str) -> ParsedFile:
    """Every range and AS name in the file."""
    parsed = ParsedFile()
    for item in parse_lines(lines, file_format):
        if isinstance(item, RawRange):
            parsed.ranges.append(item)
        else:
            asn, name, country = item
            parsed.names[asn] = (name, country)
    return parsed


def flatten(ranges: Iterable[RawRange]) -> list[RawRange]:
    """Disjoint ranges, sorted, where a more specific (narrower) range wins over one around it.

    Ranges either nest or are disjoint in real tables; a range that only partly overlaps an
    earlier one (malformed data) is cut at the earlier one's end and its part beyond that is
    dropped. Adjacent pieces of the same AS are merged.
    """
    out: list[RawRange] = []
    for family in (4, 6):
        ordered = sorted((r for r in ranges if r.family == family), key=lambda r: (r.start, -r.end))
        out.extend(_merge_adjacent(_sweep(ordered)))
    return out


def _sweep(ordered: list[RawRange]) -> Iterator[RawRange]:
    stack: list[RawRange] = []
    cursor = 0  # the first address not yet emitted

    def emit_until(limit: int) -> Iterator[RawRange]:
        # Close every open range ending before ``limit``, emitting its uncovered tail.
        nonlocal cursor
        while stack and stack[-1].end < limit:
            top = stack.pop()
            if cursor <= top.end:
                yield RawRange(top.family, max(cursor, top.start), top.end, top.asn, top.origins)
                cursor = top.end + 1

    for given in ordered:
        yield from emit_until(given.start)
        item = given
        if stack:
            top = stack[-1]
            if cursor < item.start:
                yield RawRange(top.family, cursor, item.start - 1, top.asn, top.origins)
            if item.end > top.end:
                item = RawRange(item.family, item.start, top.end, item.asn, item.origins)
        cursor = max(cursor, item.start)
        if item.end >= cursor:
            stack.append(item)
    yield from emit_until(1 << 129)


def _merge_adjacent(pieces: Iterable[RawRange]) -> Iterator[RawRange]:
    current: RawRange | None = None
    for piece in pieces:
        if (
            current is not None
            and piece.start == current.end + 1
            and (piece.asn, piece.origins) == (current.asn, current.origins)
        ):
            current = RawRange(current.family, current.start, piece.end, piece.asn, piece.origins)
            continue
        if current is not None:
            yield current
        current = piece
    if current is not None:
        yield current
