"""The audit trail at 1x and 10x: a page of entries a reader may list costs about the same.

Every entry about a shareable record, or about a row of one (a named audience, an
initiative's tag), is listed only while the reader may see that record
(``access.audit_visibility``). This benchmark builds N national documents (the label mix of
``foundation``, each AMBER/RED one with a named audience) and the audit entries a live
platform would hold for them: one for each document and one for each audience row (whose
keys are whole numbers, so the entry's text id must be compared without a cast on the key).
It then times, for an organisation admin and a platform admin, the first page of
``audit.service.list_entries``, a page filtered by record kind, and a deep page, at
N = 2,000 and N = 20,000 documents. Target: the larger trail costs at most 1.5x the smaller.
SQLite always; PostgreSQL too when 127.0.0.1:5432 answers (database ``aseancyber_bench``).

Run: ``.venv/bin/python -m benchmarks audit_list`` (``ASEANCYBER_BENCH_QUICK=1``: 500/5,000).
"""

import os
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access import audit_trail
from aseancyber.access import service as access_service
from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import Actor, RecordAudience, Tlp
from aseancyber.audit.models import AuditEntry
from aseancyber.community.documents import Document, DocumentKind
from aseancyber.db import make_engine
from aseancyber.demo import load_demo
from aseancyber.reference import load_reference
from aseancyber.settings import Environment, Settings, use_settings
from benchmarks.foundation import (
    LABEL_MIX,
    REPEATS,
    _migrate,
    _postgres,
    _postgres_available,
    _sqlite,
    _timed,
)

READERS = {
    "organisation admin (Singapore)": "admin.sg@example.org",
    "platform admin": "platform.admin@example.org",
}
BATCH = 5000
console = Console()


def _entry(
    seq: int, kind: str, record_id: str, organisation_id: str, at: datetime
) -> dict[str, object]:
    return {
        "seq": seq,  # the sealer numbers entries itself; these bypass it
        "at": at,
        "actor_user_id": None,
        "actor_organisation_id": organisation_id,
        "action": f"{kind}.create",
        "record_kind": kind,
        "record_id": record_id,
        "record_organisation_id": organisation_id,
        "changed_fields": [],
        "prev_hash": "0" * 64,
        "hash": uuid.uuid4().hex * 2,  # listing never walks the chain: any unique value
    }


def _fill(factory: sessionmaker[Session], count: int) -> None:
    """Reference and demo data, then ``count`` documents, their audiences and their entries."""
    rng = random.Random(2018)
    with factory.begin() as db:
        load_reference(db)
        load_demo(db)
    with factory.begin() as db:
        organisations = list(db.scalars(select(Organisation.id)))
        users = list(db.scalars(select(User.id)))
        start = datetime(2020, 1, 1, tzinfo=UTC)
        seq = (db.scalar(select(func.max(AuditEntry.seq))) or 0) + 1
        for first in range(0, count, BATCH):
            documents: list[dict[str, object]] = []
            audience: list[dict[str, object]] = []
            entries: list[dict[str, object]] = []
            for n in range(first, min(first + BATCH, count)):
                label = rng.choice(LABEL_MIX)
                document_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                owner = rng.choice(organisations)
                created = start + timedelta(minutes=n)
                documents.append(
                    {
                        "id": document_id,
                        "title": f"Threat assessment {n}",
                        "kind": DocumentKind.THREAT_ASSESSMENT,
                        "summary": "",
                        "body": "",
                        "link": "",
                        "owner_organisation_id": owner,
                        "created_by_id": rng.choice(users),
                        "tlp": label,
                        "green_includes_external": False,
                        "created_at": created,
                        "updated_at": created,
                        "version": 1,
                    }
                )
                entries.append(_entry(seq + len(entries), "document", document_id, owner, created))
                if label in (Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED):
                    for organisation_id in rng.sample(organisations, rng.randint(1, 3)):
                        audience.append(
                            {
                                "record_kind": "document",
                                "record_id": document_id,
                                "organisation_id": organisation_id,
                            }
                        )
            db.execute(insert(Document), documents)
            ids = db.scalars(insert(RecordAudience).returning(RecordAudience.id), audience)
            owners = {str(d["id"]): str(d["owner_organisation_id"]) for d in documents}
            for row_id, row in zip(ids, audience, strict=True):
                owner = owners[str(row["record_id"])]
                entries.append(
                    _entry(seq + len(entries), "record_audience", str(row_id), owner, start)
                )
            db.execute(insert(AuditEntry), entries)
            seq += len(entries)
    with factory() as db:
        db.execute(text("ANALYZE"))
        db.commit()


def _measure(factory: sessionmaker[Session]) -> dict[tuple[str, str], float]:
    figures: dict[tuple[str, str], float] = {}
    with factory() as db:
        for reader_name, email in READERS.items():
            user = db.scalar(select(User).where(User.email == email))
            assert user is not None, email
            reader: Actor = access_service.actor_for(user)
            deep = audit_trail.list_entries(db, actor=reader, limit=200)
            for _ in range(5):
                if deep.next_cursor is None:
                    break
                deep = audit_trail.list_entries(
                    db, actor=reader, cursor=deep.next_cursor, limit=200
                )
            cursor = deep.next_cursor
            calls: dict[str, dict[str, str | None]] = {
                "first page": {},
                "audiences only": {"record_kind": "record_audience"},
                "deep page": {"cursor": cursor},
            }
            for call, arguments in calls.items():
                figures[(reader_name, call)] = _timed(
                    lambda r=reader, a=arguments: audit_trail.list_entries(db, actor=r, **a)  # type: ignore[misc]
                )
    return figures


def _run(label: str, url_for: Callable[[int], tuple[str, Callable[[], None]]]) -> None:
    quick = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
    sizes = [500, 5_000] if quick else [2_000, 20_000]
    results: dict[int, dict[tuple[str, str], float]] = {}
    for size in sizes:
        url, cleanup = url_for(size)
        engine = make_engine(url)
        try:
            _migrate(engine)
            factory = sessionmaker(bind=engine, expire_on_commit=False)
            began = time.perf_counter()
            _fill(factory, size)
            took = time.perf_counter() - began
            console.print(f"  {label}: {size:,} documents and their entries in {took:.1f} s")
            results[size] = _measure(factory)
        finally:
            engine.dispose()
            cleanup()
    small, large = sizes
    table = Table(title=f"Audit trail page on {label} (ms, median of {REPEATS})")
    for column in ("reader", "call", f"N={small:,}", f"N={large:,}", "ratio"):
        table.add_column(column, justify="left" if column in ("reader", "call") else "right")
    for key, ms in results[small].items():
        ratio = results[large][key] / ms
        colour = "green" if ratio <= 1.5 else "red"
        table.add_row(
            key[0], key[1], f"{ms:.1f}", f"{results[large][key]:.1f}", f"[{colour}]{ratio:.2f}x[/]"
        )
    console.print(table)


def main() -> None:
    use_settings(
        Settings(environment=Environment.TEST, secret_key="benchmark-secret-key", _env_file=None)  # noqa: S106
    )
    console.rule("audit: a page of the trail at 1x and 10x")
    _run("SQLite", _sqlite)
    if _postgres_available():
        _run("PostgreSQL", _postgres)
    else:
        console.print("PostgreSQL at 127.0.0.1:5432 did not answer: skipped")


if __name__ == "__main__":
    main()
