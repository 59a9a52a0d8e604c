"""Duplicate detection benchmark: blocking index vs brute-force all pairs, one-new-initiative
latency, and precision/recall on the labelled evaluation set.

Run: ``python -m benchmarks.initiatives`` (``ASEANCYBER_BENCH_QUICK=1`` for a 2,000-initiative
check). The corpus is synthetic but varied: each initiative combines a subject, a format, a
sector, tools, places, beneficiary states, dates and a body; a share are re-registrations of
another (reworded, another body, shifted a month) so that there is something to find.
Brute force scores every pair exactly on a sample and is extrapolated by n^2 to the full
size (running it on 20,000 would take far longer than the benchmark's budget).
"""

import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

from alembic import command
from alembic.config import Config
from rich.console import Console
from rich.table import Table
from sqlalchemy import Table as SqlTable
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import Organisation, OrganisationKind
from aseancyber.access.policy import Tlp
from aseancyber.db import make_engine
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.detection.evaluation import evaluate
from aseancyber.initiatives.detection.index import (
    THRESHOLD,
    DuplicateIndex,
    Profile,
    brute_force_pairs,
)
from aseancyber.initiatives.detection.profiles import load_profiles
from aseancyber.initiatives.models import Initiative, InitiativeStatus, InitiativeTag, TagKind
from aseancyber.initiatives.overlaps import service as overlaps

ROOT = Path(__file__).resolve().parent.parent

EVALUATION_SET = Path(__file__).resolve().parent.parent / "tests/initiatives/data/evaluation.json"
STATES = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"]
BODIES = ["ADGMIN", "SOMTC-WG-CC", "ARF-ISM-ICTS", "ADMM-EWG-CS", "AMM", "CYBER-CC", "AMRI"]
THEMES = ["policy_strategy", "incident_ci", "cybercrime", "culture_skills", "standards"]
AUDIENCE = ["diplomatic", "policy", "technical", "law_enforcement", "judicial", "ci_operator"]
SUBJECTS = """incident response; malware analysis; digital forensics; cybercrime legislation;
UN norms of responsible State behaviour; national cybersecurity strategy; critical information
infrastructure protection; industrial control system security; coordinated vulnerability
disclosure; cyber hygiene awareness; child online protection; threat intelligence sharing;
points of contact; crypto-asset tracing; software supply chain integrity; scam centre
disruption; cloud security certification; military cyber defence; security operations centre
design; penetration testing; secure coding; identity and access management; data protection
law; election infrastructure security; submarine cable resilience; satellite ground station
security; 5G network security; IoT device labelling; open-source intelligence for
investigators; dark web investigations; ransomware negotiation and response; cyber insurance
policy; public key infrastructure; email authentication with DMARC; DNS security; routing
security with RPKI; mobile banking fraud; business email compromise; deepfake detection;
misinformation resilience; cyber crisis communication; board-level cyber risk; healthcare
sector security; port and maritime systems security; aviation cybersecurity; rail signalling
security; smart city platforms; government cloud migration; e-government authentication;
cyber range operations; capture-the-flag competitions; university curriculum development;
vocational cyber certifications; cyber workforce frameworks""".replace("\n", " ").split("; ")
QUALIFIERS = [
    "for regulators",
    "for small businesses",
    "for universities",
    "for local government",
    "for hospitals",
    "for banks",
    "for telecom operators",
    "for power utilities",
    "for ministries",
    "for the judiciary",
    "for prosecutors",
    "for women professionals",
    "for young people",
    "for parliamentarians",
    "for journalists",
    "for port authorities",
    "for airports",
    "for election commissions",
    "for central banks",
    "for stock exchanges",
    "for customs agencies",
    "for defence forces",
    "for police academies",
    "for schools",
    "for start-ups",
    "for cloud providers",
    "for internet exchanges",
    "for registries",
]
FORMATS = [
    "training course",
    "workshop",
    "tabletop exercise",
    "fellowship",
    "study visit",
    "expert mission",
    "policy dialogue",
    "online course",
    "train-the-trainer programme",
    "regional conference",
    "mentoring scheme",
    "pilot deployment",
]
SECTORS = [
    "energy",
    "water",
    "finance",
    "health",
    "telecommunications",
    "transport",
    "government",
    "defence",
    "education",
    "ports",
    "aviation",
    "manufacturing",
    "retail",
    "media",
]
TOOLS = [
    "MISP",
    "STIX 2.1",
    "TAXII",
    "YARA",
    "Sigma",
    "Volatility",
    "Autopsy",
    "Wireshark",
    "Zeek",
    "Suricata",
    "OpenCTI",
    "TheHive",
    "Velociraptor",
    "Ghidra",
    "IDA",
    "Splunk",
    "Elastic",
    "OSQuery",
    "CSAF",
    "SBOM",
    "ISO 27001",
    "IEC 62443",
    "NIST CSF",
    "SIM3",
    "FIRST CVSS",
    "Kali",
    "Metasploit",
    "Burp Suite",
    "OWASP ASVS",
    "CIS Controls",
]
CITIES = [
    "Bangkok",
    "Singapore",
    "Jakarta",
    "Kuala Lumpur",
    "Manila",
    "Hanoi",
    "Phnom Penh",
    "Vientiane",
    "Yangon",
    "Bandar Seri Begawan",
    "Dili",
    "Da Nang",
    "Cebu",
    "Penang",
    "Chiang Mai",
    "Surabaya",
    "Bali",
    "Siem Reap",
    "Luang Prabang",
    "Ho Chi Minh City",
]
VERBS = ["strengthen", "build", "develop", "improve", "establish", "enhance", "deepen"]
FUNDERS = ["Japan", "Singapore", "Australia", "EU", "US", "Korea", "UK", "Canada", "India"]


SYLLABLES = [
    "ka",
    "ra",
    "lo",
    "mi",
    "an",
    "su",
    "ti",
    "ba",
    "de",
    "no",
    "wa",
    "ye",
    "ha",
    "li",
    "pu",
    "ro",
    "sa",
    "vi",
    "ne",
    "to",
    "gu",
]


def _proper_nouns(rng: random.Random, count: int) -> list[str]:
    """Made-up names of partner institutions, venues and trainers: real registries are full
    of such rare words, and they are what tells one initiative from the next."""
    return [
        "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 3]))).capitalize()
        for _ in range(count)
    ]


def synthetic_corpus(size: int, seed: int = 7) -> list[Profile]:
    """``size`` varied initiatives, about one in ten a re-registration of an earlier one."""
    rng = random.Random(seed)
    names = _proper_nouns(random.Random(seed + 1), 6_000)
    profiles: list[Profile] = []
    for number in range(size):
        if profiles and rng.random() < 0.1:
            original = rng.choice(profiles)
            words = original.text.split()
            rng.shuffle(words[: len(words) // 3])
            shift = rng.choice([0, 1])
            profiles.append(
                Profile(
                    id=f"i{number:06d}",
                    title="Regional " + original.title.lower(),
                    text=" ".join(words[: max(8, int(len(words) * 0.8))]),
                    states=original.states,
                    themes=original.themes,
                    audience=original.audience,
                    start=(original.start or 0) + shift,
                    end=(original.end or 0) + shift,
                    body=rng.choice(BODIES),
                    programme=original.programme,
                )
            )
            continue
        subject = f"{rng.choice(SUBJECTS)} {rng.choice(QUALIFIERS)}"
        form = rng.choice(FORMATS)
        sector = rng.choice(SECTORS)
        tools = rng.sample(TOOLS, 2)
        city = rng.choice(CITIES)
        states = frozenset(rng.sample(STATES, rng.choice([1, 1, 2, 3, 4, 11])))
        start = rng.randrange(2015 * 12, 2027 * 12)
        funder = rng.choice(FUNDERS)
        partner, venue, lead = rng.sample(names, 3)
        title = f"{subject.capitalize()} {form} for the {sector} sector"
        text = (
            f"A {form} to {rng.choice(VERBS)} {subject} capacity of {sector} sector teams, "
            f"funded by {funder}. Participants use {tools[0]} and "
            f"{tools[1]} on realistic scenarios, with the {partner} Institute. Sessions held at "
            f"the {venue} Centre in {city}, led by {lead}; "
            f"{rng.choice(VERBS)} follow-up mentoring; a {rng.choice(SECTORS)} case study; "
            f"cohort {rng.randrange(1, 40)} of the {rng.choice(FORMATS)} series."
        )
        profiles.append(
            Profile(
                id=f"i{number:06d}",
                title=title,
                text=text,
                states=states,
                themes=frozenset(rng.sample(THEMES, rng.choice([1, 1, 2]))),
                audience=frozenset(rng.sample(AUDIENCE, rng.choice([1, 2]))),
                start=start,
                end=start + rng.choice([0, 1, 2, 5, 11, 23]),
                body=rng.choice(BODIES),
                programme=rng.choice(["ACCP", "ASCCE", "AJCCBC", ""]),
            )
        )
    return profiles


def _time(function: object) -> tuple[float, object]:
    """CPU seconds of this process (one core; fair when other work shares the machine)."""
    started = time.process_time()
    result = function()  # type: ignore[operator]
    return time.process_time() - started, result


def _day(month: int | None) -> date | None:
    return None if month is None else date(month // 12, month % 12 + 1, 1)


def insert_profiles(db: Session, profiles: list[Profile], owner: str) -> None:
    """Initiative rows and their facets for ``profiles``, inserted in bulk (no ORM)."""
    now = datetime.now(UTC)
    db.execute(
        insert(cast(SqlTable, Initiative.__table__)),
        [
            {
                "id": p.id,
                "title": p.title,
                "summary": p.text,
                "aims": "",
                "activities": "",
                "status": InitiativeStatus.ONGOING,
                "start_on": _day(p.start),
                "end_on": _day(p.end),
                "programme": p.programme,
                "budget_currency": "",
                "source_link": "",
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "owner_organisation_id": owner,
                "tlp": Tlp.GREEN,
                "green_includes_external": False,
            }
            for p in profiles
        ],
    )
    tags = [
        {"initiative_id": p.id, "kind": kind, "value": value, "position": 0}
        for p in profiles
        for kind, values in (
            (TagKind.STATE, p.states),
            (TagKind.THEME, p.themes),
            (TagKind.AUDIENCE, p.audience),
        )
        for value in values
    ]
    if tags:
        db.execute(insert(cast(SqlTable, InitiativeTag.__table__)), tags)


def save_path(size: int, saves: int = 25) -> tuple[float, float, float, float]:
    """Checking one new initiative as a web save does, against a real database of ``size``:
    (first save of a fresh process, p50 and p95 of later saves, rebuilding the index), ms."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        config = Config(str(ROOT / "alembic.ini"))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        corpus = synthetic_corpus(size + saves, seed=7)
        # Fresh ids: the synthetic ones repeat across sizes and the process index is per engine.
        corpus = [Profile(**{**p.__dict__, "id": str(uuid.uuid4())}) for p in corpus]
        with factory.begin() as db:
            owner = Organisation(
                name="Benchmark body", short_name="BB", kind=OrganisationKind.SECRETARIAT
            )
            db.add(owner)
            db.flush()
            owner_id = owner.id
            insert_profiles(db, corpus[:size], owner_id)
            live_index.record_change(db, initiative_ids=[p.id for p in corpus[:size]])
        with factory() as db:
            began = time.process_time()
            DuplicateIndex(load_profiles(db))
            rebuild = (time.process_time() - began) * 1000
        live_index.PROCESS_INDEX.clear()
        timings = []
        for profile in corpus[size:]:
            with factory.begin() as db:
                began = time.process_time()
                insert_profiles(db, [profile], owner_id)
                overlaps.detect_for(db, initiative_ids=[profile.id])
                live_index.record_change(db, initiative_ids=[profile.id])
                timings.append((time.process_time() - began) * 1000)
        engine.dispose()
    first, later = timings[0], sorted(timings[1:])
    return first, statistics.median(later), later[int(len(later) * 0.95) - 1], rebuild


def _save_path_table(console: Console, sizes: list[int]) -> None:
    """The web save path at a small and the full registry size, side by side."""
    saves = Table(
        title="Web save path: one new initiative checked against a SQLite registry "
        "(CPU ms on one core; the index lives in the process, follows the change log)"
    )
    saves.add_column("registry")
    saves.add_column("first save of a fresh process", justify="right")
    saves.add_column("later saves p50 / p95", justify="right")
    saves.add_column("rebuilding the index (before: every save)", justify="right")
    for registry in sizes:
        first, p50_save, p95_save, rebuild = save_path(registry)
        saves.add_row(
            f"{registry:,}",
            f"{first:,.0f} ms",
            f"{p50_save:.1f} / {p95_save:.1f} ms",
            f"{rebuild:,.0f} ms",
        )
    console.print(saves)


def main() -> None:
    quick = bool(os.environ.get("ASEANCYBER_BENCH_QUICK"))
    size = int(os.environ.get("ASEANCYBER_BENCH_SIZE") or (2_000 if quick else 20_000))
    sample = 1_000 if quick else 2_000
    console = Console()
    corpus = synthetic_corpus(size)

    build_seconds, built = _time(lambda: DuplicateIndex(corpus))
    index: DuplicateIndex = built  # type: ignore[assignment]
    pairs_seconds, found = _time(index.all_pairs)
    indexed_total = build_seconds + pairs_seconds
    compared = index.compared_pairs()

    subset = corpus[:sample]
    brute_seconds, brute = _time(lambda: brute_force_pairs(subset))
    sample_index = DuplicateIndex(subset)
    sample_found = {c.pair for c in sample_index.all_pairs()}
    brute_pairs = {c.pair for c in brute}  # type: ignore[attr-defined]
    blocking_recall = len(sample_found & brute_pairs) / len(brute_pairs) if brute_pairs else 1.0
    extrapolated = brute_seconds * (size / sample) ** 2

    newcomers = synthetic_corpus(size + 200, seed=7)[size:]
    latencies = []
    for profile in newcomers:
        started = time.process_time()
        index.candidates_for(profile)
        latencies.append((time.process_time() - started) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    worst = latencies[-1]

    # Blocking recall at full size: brute force for a sample of initiatives against all.
    sampled = random.Random(5).sample(corpus, 40)
    brute_hits = indexed_hits = 0
    for profile in sampled:
        vector = index.vectors[profile.id]
        expected = {
            other.id
            for other in corpus
            if other.id != profile.id
            and index.scorer.score(
                profile, vector, other, index.vectors[other.id], explain=False
            ).score
            >= THRESHOLD
        }
        got = {
            c.pair[0] if c.pair[1] == profile.id else c.pair[1]
            for c in index.candidates_for(profile, limit=10**6)
        }
        brute_hits += len(expected)
        indexed_hits += len(expected & got)
    full_recall = indexed_hits / brute_hits if brute_hits else 1.0

    tuning = evaluate(EVALUATION_SET, part="tuning")
    held_out = evaluate(EVALUATION_SET, part="held_out")

    table = Table(
        title=f"Initiative duplicate detection ({size:,} initiatives, CPU seconds on one core)"
    )
    table.add_column("measure")
    table.add_column("blocking index", justify="right")
    table.add_column("brute force (all pairs)", justify="right")
    table.add_column("target", justify="right")
    table.add_row(
        f"detect over {size:,}",
        f"{indexed_total:.1f} s (build {build_seconds:.1f} s)",
        f"{extrapolated:,.0f} s (extrapolated from {sample:,}: {brute_seconds:.1f} s)",
        "<= 60 s end to end (initiatives_end_to_end)",
    )
    table.add_row(
        "candidate pairs let through by blocking",
        f"{compared:,}",
        f"{size * (size - 1) // 2:,}",
        "",
    )
    table.add_row(
        f"pairs flagged (blocking recall vs brute force on {sample:,})",
        f"{len(found):,} ({blocking_recall:.3f})",  # type: ignore[arg-type]
        f"{len(brute_pairs):,} on the sample",
        "",
    )
    table.add_row(
        f"blocking recall vs brute force at {size:,} (40 sampled initiatives)",
        f"{full_recall:.3f} ({indexed_hits} of {brute_hits} pairs)",
        "1.000 by definition",
        "",
    )
    table.add_row(
        "check one new initiative (p50 / p95 / max)",
        f"{p50:.1f} / {p95:.1f} / {worst:.1f} ms",
        f"{brute_seconds / (sample * (sample - 1) / 2) * size * 1000:.0f} ms (estimated)",
        "<= 200 ms",
    )
    for name, quality in (("tuning part", tuning), ("held-out part", held_out)):
        table.add_row(
            f"evaluation set, {name} ({quality.labelled} labelled pairs, "
            f"{quality.hard_negatives} near-misses; details: initiatives_quality)",
            f"precision {quality.precision:.3f}, recall {quality.recall:.3f}, "
            f"cross-language {quality.recall_by_kind.get('cross_language', 0):.3f}, "
            f"near-misses flagged {quality.hard_negatives_flagged}",
            "",
            "P >= 0.85 at R >= 0.9",
        )
    console.print(table)

    _save_path_table(console, [200, size])


if __name__ == "__main__":
    main()
