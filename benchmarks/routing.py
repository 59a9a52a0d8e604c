"""Routing IP addresses to the responsible CERT: country + ASN + registry, in batches.

Target: at least 500,000 IPv4 addresses per second on one core, for the whole resolution
(iptocc country, origin AS from the operator's table, registry and national-CERT
decision), against a table the size of RouteViews' IPv4 pfx2as (about 1,000,000 prefixes,
nested ones included, flattened at load).

Side by side, on the same table, the same addresses and the same registry, in one run:

- **aseancyber**: :func:`aseancyber.routing.resolve_ipv4_text` (one ``iptocc``
  batch call; ``map`` over ``inet_pton``/``int.from_bytes``/``bisect`` with a /16 bucket
  index; registry AS entries visited only where they match);
- **ipaddress + bisect**: the obvious code a Python user writes for the same job:
  ``ipaddress.ip_address`` per address, ``bisect`` over the sorted range starts with an
  end check, dictionaries for the registry, and the same ``iptocc`` batch call for the
  country (the fastest way iptocc offers; a per-address call would be slower still).

The two answers are compared address by address before any time is reported. Times are
CPU seconds of this process (``time.process_time``), best of three runs, so other work on
the machine inflates them less; addresses are uniformly random over public IPv4 space,
the cache-unfriendly case (real scan batches cluster and run faster). pyasn is not
installed here, so it is not compared.

Run: ``python -m benchmarks.routing`` (``ASEANCYBER_BENCH_QUICK=1``: 200,000 prefixes and
100,000 addresses instead of 1,000,000 and 1,000,000).
"""

import ipaddress
import os
import random
import time
from bisect import bisect_right
from collections.abc import Callable

import iptocc
from rich.console import Console
from rich.table import Table

from aseancyber.routing import asn_files
from aseancyber.routing.resolve import (
    RULE_NATIONAL_CERT,
    RULE_NON_MEMBER,
    RULE_REGISTRY_ASN,
    RULE_REGISTRY_COUNTRY,
    RULE_UNKNOWN,
    Directory,
    resolve_ipv4_text,
)
from aseancyber.routing.table import LookupTable, build

QUICK = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
PREFIXES = 200_000 if QUICK else 1_000_000
ADDRESSES = 100_000 if QUICK else 1_000_000
TARGET = 500_000
MEMBER_STATES = ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL")
console = Console()


def _prefixes(rng: random.Random) -> list[asn_files.RawRange]:
    """Prefixes shaped like the global table: mostly /24, some /16-/23 covering others."""
    out = []
    lengths = [24] * 60 + [23, 22, 22, 21, 20, 20, 19, 18, 17, 16]
    for _ in range(PREFIXES):
        length = rng.choice(lengths)
        first = rng.randint(1, 223)
        while first in {10, 127}:
            first = rng.randint(1, 223)
        address = (first << 24) | rng.getrandbits(24)
        start = address & ~((1 << (32 - length)) - 1) & 0xFFFFFFFF
        end = start | ((1 << (32 - length)) - 1)
        out.append(asn_files.RawRange(4, start, end, rng.randint(1, 400_000)))
    return out


def _addresses(rng: random.Random) -> list[str]:
    out: list[str] = []
    while len(out) < ADDRESSES:
        first = rng.randint(1, 223)
        if first in {10, 127}:
            continue
        out.append(f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
    return out


def _directory(rng: random.Random) -> Directory:
    directory = Directory()
    directory.country_rule[None] = RULE_UNKNOWN
    directory.country_org[None] = None
    for iso2 in MEMBER_STATES:
        directory.member_states[iso2] = iso2
        directory.country_org[iso2] = f"cert-{iso2}"
        directory.country_rule[iso2] = RULE_NATIONAL_CERT
    directory.country_org["MY"] = "registry-my"
    directory.country_rule["MY"] = RULE_REGISTRY_COUNTRY
    for asn in rng.sample(range(1, 400_000), 1_000):
        directory.asn_org[asn] = f"registry-as{asn}"
    return directory


def _peer(
    starts: list[int], ends: list[int], asns: list[int], directory: Directory
) -> Callable[[list[str]], tuple[list[str | None], list[str]]]:
    def run(addresses: list[str]) -> tuple[list[str | None], list[str]]:
        countries = iptocc.country_code(addresses)
        organisations: list[str | None] = []
        rules: list[str] = []
        for text, country in zip(addresses, countries, strict=True):
            number = int(ipaddress.ip_address(text))
            i = bisect_right(starts, number) - 1
            asn = asns[i] if i >= 0 and number <= ends[i] else 0
            if asn in directory.asn_org:
                organisations.append(directory.asn_org[asn])
                rules.append(RULE_REGISTRY_ASN)
            else:
                organisations.append(directory.country_org.get(country))
                rules.append(directory.country_rule.get(country, RULE_NON_MEMBER))
        return organisations, rules

    return run


def _best(run: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    rng = random.Random(2018)
    console.print(
        f"[bold]Routing benchmark[/] ({'quick' if QUICK else 'full'}): "
        f"{PREFIXES:,} prefixes, {ADDRESSES:,} addresses"
    )
    started = time.process_time()
    flat = asn_files.flatten(_prefixes(rng))
    table: LookupTable = build((1, None), ((r.family, r.start, r.end, r.asn) for r in flat))
    build_seconds = time.process_time() - started
    addresses = _addresses(rng)
    directory = _directory(rng)
    peer = _peer([r.start for r in flat], [r.end for r in flat], [r.asn for r in flat], directory)

    ours = resolve_ipv4_text(addresses, table=table, directory=directory)
    theirs = peer(addresses)
    if (ours.organisation_ids, ours.rules) != theirs:
        raise SystemExit("the two implementations disagree: the benchmark would be meaningless")
    decided = sum(1 for org in ours.organisation_ids if org is not None)

    ours_seconds = _best(lambda: resolve_ipv4_text(addresses, table=table, directory=directory))
    peer_seconds = _best(lambda: peer(addresses), repeat=1 if not QUICK else 3)
    country_seconds = _best(lambda: iptocc.country_code(addresses))

    result = Table(title="Routing: IPv4 addresses per CPU second (higher is better)")
    result.add_column("implementation")
    result.add_column("addresses/s", justify="right")
    result.add_column("CPU s", justify="right")
    result.add_column("vs target", justify="right")
    for name, seconds in (("aseancyber", ours_seconds), ("ipaddress + bisect", peer_seconds)):
        rate = ADDRESSES / seconds
        result.add_row(name, f"{rate:,.0f}", f"{seconds:.3f}", f"{rate / TARGET:.2f}x")
    console.print(result)
    console.print(
        f"aseancyber is {peer_seconds / ours_seconds:.1f}x the peer; iptocc's batch country "
        f"call alone: {ADDRESSES / country_seconds:,.0f}/s. Table: {len(flat):,} disjoint "
        f"ranges after flattening, built in {build_seconds:.1f} CPU s. "
        f"{decided:,} addresses had a responsible organisation; answers identical."
    )
    rate = ADDRESSES / ours_seconds
    verdict = "[green]meets[/]" if rate >= TARGET else "[red]misses[/]"
    console.print(f"Target {TARGET:,}/s: {verdict} ({rate:,.0f}/s).")


if __name__ == "__main__":
    main()
