"""The CSAF trusted provider with 500 public advisories: what an aggregator's sweep costs the
node, and signing/verifying one document in-process (Sequoia-PGP, ``pysequoia``) against
GnuPG, the peer a Python provider would otherwise drive (``python-gnupg`` runs ``gpg`` once
per document; the ``csaf`` package verifies with ``gpg`` too).

Targets: the provider metadata, the TLP:WHITE ROLIE feed and changes.csv each answer in
under 250 ms for 500 advisories, and a document's ``.asc`` (signed when read) in under 10 ms,
which must be faster than one ``gpg --detach-sign`` of the same bytes.

Run: ``python -m benchmarks csaf_provider`` (``ASEANCYBER_BENCH_QUICK=1`` repeats each call
3 times instead of 25, with 100 advisories).
"""

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pysequoia
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access import service as access_service
from aseancyber.access.models import Organisation, OrganisationKind, Role
from aseancyber.access.policy import Tlp
from aseancyber.app import create_app
from aseancyber.cases import service
from aseancyber.cases.advisories import csaf
from aseancyber.cases.advisories.models import Advisory, AdvisoryCategory, AdvisoryStatus
from aseancyber.cases.models import CaseKind
from aseancyber.cases.provider import service as provider
from aseancyber.cases.provider import signing
from aseancyber.cases.schemas import CaseCreate
from aseancyber.db import make_engine
from aseancyber.settings import Environment, Settings, use_settings
from benchmarks.cases import _migrate, _state, _user

BASE = "https://cyber.asean.example"
console = Console()


def _document(tracking_id: str, released: datetime) -> dict[str, Any]:
    date = released.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": "WHITE", "url": "https://www.first.org/tlp/"}},
            "lang": "en",
            "notes": [{"category": "summary", "title": "Summary", "text": "Benchmark. " * 40}],
            "publisher": {"category": "coordinator", "name": "Bench", "namespace": BASE},
            "title": f"Benchmark advisory {tracking_id}",
            "tracking": {
                "current_release_date": date,
                "id": tracking_id,
                "initial_release_date": date,
                "revision_history": [{"date": date, "number": "1", "summary": "Initial."}],
                "status": "final",
                "version": "1",
            },
        }
    }


def _build(path: Path, count: int) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{path}")
    _migrate(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        sg = _state(db, "SG", "Singapore")
        cert = Organisation(
            name="Bench SingCERT",
            short_name="SG",
            kind=OrganisationKind.NATIONAL_CERT,
            member_state_id=sg.id,
        )
        db.add(cert)
        db.flush()
        coordinator = _user(db, cert, "coordinator@bench.example", Role.COORDINATOR)
        case = service.create(
            db,
            actor=access_service.actor_for(coordinator),
            data=CaseCreate(title="Bench", kind=CaseKind.VULNERABILITY, tlp=Tlp.AMBER),
        )
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for n in range(count):
            tracking_id = f"BENCH-2026-{n:05d}"
            released = start + timedelta(hours=n)
            db.add(
                Advisory(
                    case_id=case.id,
                    category=AdvisoryCategory.SECURITY_ADVISORY,
                    status=AdvisoryStatus.PUBLISHED,
                    tracking_id=tracking_id,
                    title=f"Benchmark advisory {n}",
                    summary="Benchmark.",
                    publish_tlp=Tlp.CLEAR,
                    tlp=Tlp.CLEAR,
                    owner_organisation_id=cert.id,
                    published_at=released,
                    document=_document(tracking_id, released),
                )
            )
    with factory() as db:
        db.execute(text("ANALYZE"))
        db.commit()
    return factory


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm-up
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def _get(client: TestClient, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    return response.content


def _gpg(home: Path, *arguments: str, data: bytes | None = None) -> bytes:
    gpg = shutil.which("gpg")
    assert gpg is not None, "GnuPG is needed for the peer figures (Debian package gnupg)"
    return subprocess.run(  # noqa: S603 - our own gpg, our own arguments
        [gpg, "--homedir", str(home), "--batch", "--quiet", *arguments],
        input=data,
        capture_output=True,
        check=True,
    ).stdout


def main() -> None:
    quick = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
    repeats, count = (3, 100) if quick else (25, 500)
    folder = Path(tempfile.mkdtemp(prefix="aseancyber-bench-csaf-"))
    home = folder / "gnupg"
    home.mkdir(mode=0o700)
    key, _ = signing.generate(folder / "key.asc", user_id="Bench CSAF <csaf@bench.example>")
    settings = Settings(
        environment=Environment.TEST,
        secret_key="benchmark-secret-key",  # noqa: S106 - a throwaway database only
        database_url=f"sqlite:///{folder / 'unused.db'}",
        run_jobs_in_process=False,
        base_url=BASE,
        csaf_signing_key_path=folder / "key.asc",
        _env_file=None,
    )
    use_settings(settings)
    console.rule(f"csaf_provider: {count} public advisories, signing in-process against GnuPG")
    figures: dict[str, float] = {}
    try:
        factory = _build(folder / "csaf.db", count)
        client = TestClient(create_app(settings=settings, session_factory=factory))
        assert provider.role(signing.configured_key()) == "csaf_trusted_provider"
        document_url = f"/.well-known/csaf/white/2026/{csaf.filename_for('BENCH-2026-00000')}"
        for name, url in (
            ("provider-metadata.json", "/.well-known/csaf/provider-metadata.json"),
            ("feed-tlp-white.json", "/.well-known/csaf/feed-tlp-white.json"),
            ("changes.csv", "/.well-known/csaf/white/changes.csv"),
            ("one document", document_url),
            ("its .sha512", document_url + ".sha512"),
            ("its .asc (signed when read)", document_url + ".asc"),
        ):
            figures[name] = _median_ms(lambda url=url: _get(client, url), repeats)
        content = _get(client, document_url)
        # The peer: GnuPG with the same secret key, one process per document.
        _gpg(home, "--import", str(folder / "key.asc"))
        figures["sign: pysequoia"] = _median_ms(lambda: signing.signature(key, content), repeats)
        figures["sign: gpg --detach-sign"] = _median_ms(
            lambda: _gpg(home, "--armor", "--detach-sign", "-o", "-", data=content), repeats
        )
        signature = signing.signature(key, content)
        (folder / "doc.json").write_bytes(content)
        (folder / "doc.json.asc").write_bytes(signature)
        certificate = pysequoia.Cert.from_bytes(key.public_key.encode())
        figures["verify: pysequoia"] = _median_ms(
            lambda: pysequoia.verify(
                bytes=content,
                store=lambda _ids: [certificate],
                signature=pysequoia.Sig.from_bytes(signature),
            ),
            repeats,
        )
        figures["verify: gpg --verify"] = _median_ms(
            lambda: _gpg(home, "--verify", str(folder / "doc.json.asc"), str(folder / "doc.json")),
            repeats,
        )
        factory.kw["bind"].dispose()
    finally:
        gpgconf = shutil.which("gpgconf")
        if gpgconf is not None:  # stop the agent the peer started in the throwaway home
            subprocess.run([gpgconf, "--homedir", str(home), "--kill", "all"], check=False)  # noqa: S603
        shutil.rmtree(folder, ignore_errors=True)
        use_settings(None)
    table = Table(title=f"CSAF provider on SQLite (ms, median of {repeats})")
    table.add_column("call")
    table.add_column("ms", justify="right")
    table.add_column("target", justify="right")
    targets = {
        "provider-metadata.json": 250.0,
        "feed-tlp-white.json": 250.0,
        "changes.csv": 250.0,
        "its .asc (signed when read)": min(10.0, figures["sign: gpg --detach-sign"]),
    }
    for name, value in figures.items():
        target = targets.get(name)
        colour = "green" if target is None or value <= target else "red"
        table.add_row(name, f"[{colour}]{value:.2f}[/]", "" if target is None else f"{target:.0f}")
    console.print(table)
    ratio = figures["sign: gpg --detach-sign"] / figures["sign: pysequoia"]
    console.print(f"  signing in-process is {ratio:.0f}x faster than one gpg process per document")


if __name__ == "__main__":
    main()
