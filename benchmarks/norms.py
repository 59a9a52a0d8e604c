"""The norms heat map at scale: 11 states x 100 practical actions x 5 years of history,
against the demo data set.

The heat map and its progress chart are computed from the assessments each reader may see
(``visible_to`` on every query). This benchmark builds two SQLite databases:

- **demo**: the reference directory and the demo data (47 actions, a few hundred
  assessments, about two years of history);
- **large**: the demo, plus practical actions up to 100, plus an assessment for every
  state and action that lacks one, each with a version every quarter for five years
  (about 1,100 assessments and 20,000 versions), with the demo's mix of visibilities.

It times, for four readers, the current heat map, the heat map "as of" two years ago, the
progress series, and the whole heat-map page (map and chart, rendered), and reports the
ratio large / demo: the target is at most 1.5x. Times are CPU milliseconds of this process
(server and SQLite run in it), which stay fair when other work shares the machine.
``ASEANCYBER_BENCH_QUICK=1`` repeats each call 3 times instead of 11.
"""

import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access import service as access_service
from aseancyber.access.models import MemberState, User
from aseancyber.access.policy import Reader, RecordAudience
from aseancyber.app import create_app
from aseancyber.db import make_engine
from aseancyber.demo import load_demo
from aseancyber.demo.norms import PROFILES, VISIBILITIES
from aseancyber.norms import regional
from aseancyber.norms.catalogue import list_norms
from aseancyber.norms.models import (
    ActionLevel,
    AssessmentStatus,
    NormAction,
    NormAssessment,
    NormAssessmentVersion,
    level_deltas,
)
from aseancyber.norms.service import sharing_for
from aseancyber.settings import Environment, Settings, use_settings
from aseancyber.web.security import SESSION_COOKIE

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = 100
YEARS = 5
READERS = {
    "anonymous": None,
    "CERT analyst, another state": "analyst.my@example.org",
    "regional coordinator": "coordinator@example.org",
    "policy officer, own state (SG)": "policy.sg@example.org",
}
PROGRESSION = (
    AssessmentStatus.NOT_STARTED,
    AssessmentStatus.PLANNED,
    AssessmentStatus.IN_PROGRESS,
    AssessmentStatus.IMPLEMENTED,
)
console = Console()


def _migrate(engine: Engine) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def _grow(db: Session, today: date) -> None:
    """Actions up to ``ACTIONS`` and a five-year history for every missing assessment."""
    rng = random.Random(2015)
    norms = list_norms(db)
    count = sum(len(norm.actions) for norm in norms)
    number = 0
    while count < ACTIONS:
        norm = norms[number % len(norms)]
        db.add(
            NormAction(
                norm_id=norm.id,
                code=f"{norm.letter}.{100 + number}",
                title=f"Benchmark action {number} for norm ({norm.letter})",
                level=ActionLevel.NATIONAL,
                position=100 + number,
            )
        )
        number += 1
        count += 1
    db.flush()
    actions = list(db.scalars(select(NormAction.id)))
    taken = set(db.execute(select(NormAssessment.member_state_id, NormAssessment.action_id)))
    start = datetime.combine(date(today.year - YEARS, today.month, 1), datetime.min.time(), UTC)
    quarters = [start + timedelta(days=91 * q) for q in range(YEARS * 4)]
    assessments: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    audience: list[dict[str, Any]] = []
    for state in db.scalars(select(MemberState)):
        owner = db.scalar(
            select(User.organisation_id).where(
                User.email == f"policy.{state.iso2.lower()}@example.org"
            )
        )
        if owner is None:
            continue
        profile = PROFILES.get(state.iso2)
        weights = profile.sharing if profile else (0.25, 0.25, 0.25, 0.25)
        sharing = {v: sharing_for(db, visibility=v, member_state_id=state.id) for v in VISIBILITIES}
        for action_id in actions:
            if (state.id, action_id) in taken:
                continue
            visibility = rng.choices(VISIBILITIES, weights=weights)[0]
            tlp, organisations = sharing[visibility]
            assessment_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            level = 0
            previous: AssessmentStatus | None = None
            for number, moment in enumerate(quarters, start=1):
                if rng.random() < 0.15:
                    level = min(3, level + 1)
                level_delta, counted_delta = level_deltas(previous, PROGRESSION[level])
                previous = PROGRESSION[level]
                versions.append(
                    {
                        "assessment_id": assessment_id,
                        "version": number,
                        "status": PROGRESSION[level],
                        "evidence": f"Quarterly review {number}.",
                        "links": [],
                        "responsible_agency": "National cyber agency",
                        "assessed_on": moment.date(),
                        "visibility": visibility,
                        "tlp": tlp,
                        "recorded_at": moment,
                        "level_delta": level_delta,
                        "counted_delta": counted_delta,
                    }
                )
            assessments.append(
                {
                    "id": assessment_id,
                    "member_state_id": state.id,
                    "action_id": action_id,
                    "status": PROGRESSION[level],
                    "evidence": f"Quarterly review {len(quarters)}.",
                    "links": [],
                    "responsible_agency": "National cyber agency",
                    "assessed_on": quarters[-1].date(),
                    "visibility": visibility,
                    "tlp": tlp,
                    "green_includes_external": False,
                    "owner_organisation_id": owner,
                    "created_at": quarters[0],
                    "updated_at": quarters[-1],
                    "version": len(quarters),
                }
            )
            audience.extend(
                {
                    "record_kind": "norm_assessment",
                    "record_id": assessment_id,
                    "organisation_id": organisation_id,
                }
                for organisation_id in organisations
            )
    db.execute(insert(NormAssessment), assessments)
    for at in range(0, len(versions), 5000):
        db.execute(insert(NormAssessmentVersion), versions[at : at + 5000])
    if audience:
        db.execute(insert(RecordAudience), audience)


def _build(path: Path, *, large: bool) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{path}")
    _migrate(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        load_demo(db)
    if large:
        with factory.begin() as db:
            _grow(db, datetime.now(UTC).date())
    with factory() as db:
        db.execute(text("ANALYZE"))
        db.commit()
    return factory


def _timed(call: Callable[[], object], repeats: int) -> float:
    call()  # warm the caches once, as a running server would have
    samples = []
    for _ in range(repeats):
        began = time.process_time()
        call()
        samples.append((time.process_time() - began) * 1000)
    return statistics.median(samples)


def _client(factory: sessionmaker[Session], settings: Settings, email: str | None) -> TestClient:
    client = TestClient(create_app(settings=settings, session_factory=factory))
    if email is not None:
        with factory.begin() as db:
            user = db.scalar(select(User).where(User.email == email))
            assert user is not None, email
            new = access_service.start_session(db, user=user, address="bench")
            new.session.second_factor_done = True
            cookie = new.cookie_value
        client.cookies.set(SESSION_COOKIE, cookie)
    return client


def _measure(
    factory: sessionmaker[Session], settings: Settings, repeats: int
) -> tuple[dict[tuple[str, str], float], dict[str, int]]:
    figures: dict[tuple[str, str], float] = {}
    past = datetime.now(UTC).date() - timedelta(days=730)
    with factory() as db:
        sizes = {
            "actions": db.scalar(select(func.count()).select_from(NormAction)) or 0,
            "assessments": db.scalar(select(func.count()).select_from(NormAssessment)) or 0,
            "versions": db.scalar(select(func.count()).select_from(NormAssessmentVersion)) or 0,
        }
        for name, email in READERS.items():
            reader: Reader = None
            if email is not None:
                user = db.scalar(select(User).where(User.email == email))
                assert user is not None, email
                reader = access_service.actor_for(user)
            figures[(name, "heat map")] = _timed(
                partial(regional.heat_map, db, reader=reader), repeats
            )
            figures[(name, "heat map as of 2 years ago")] = _timed(
                partial(regional.heat_map, db, reader=reader, as_of=past), repeats
            )
            figures[(name, "progress series")] = _timed(
                partial(regional.progress, db, reader=reader), repeats
            )
    for name, email in READERS.items():
        client = _client(factory, settings, email)
        response = client.get("/norms/heatmap")
        assert response.status_code == 200, response.text[:300]
        figures[(name, "heat-map page (GET)")] = _timed(
            partial(client.get, "/norms/heatmap"), repeats
        )
    return figures, sizes


def main() -> None:
    quick = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
    repeats = 3 if quick else 11
    secret = "benchmark-secret-key"  # noqa: S105 - throwaway databases only
    folder = Path(tempfile.mkdtemp(prefix="aseancyber-bench-norms-"))
    settings = Settings(
        environment=Environment.TEST,
        secret_key=secret,
        database_url=f"sqlite:///{folder / 'unused.db'}",
        run_jobs_in_process=False,
        _env_file=None,
    )
    use_settings(settings)
    console.rule("norms: the heat map at 11 states x 100 actions x 5 years")
    results = {}
    sizes = {}
    try:
        for label, large in (("demo", False), ("large", True)):
            began = time.perf_counter()
            factory = _build(folder / f"{label}.db", large=large)
            results[label], sizes[label] = _measure(factory, settings, repeats)
            console.print(
                f"  {label}: {sizes[label]} built and measured in "
                f"{time.perf_counter() - began:.1f} s"
            )
            factory.kw["bind"].dispose()
    finally:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    table = Table(title=f"Norms heat map on SQLite (CPU ms, median of {repeats})")
    table.add_column("reader")
    table.add_column("call")
    table.add_column("demo", justify="right")
    table.add_column("large", justify="right")
    table.add_column("ratio", justify="right")
    for key, small in results["demo"].items():
        ratio = results["large"][key] / small
        colour = "green" if ratio <= 1.5 else "red"
        table.add_row(
            key[0],
            key[1],
            f"{small:.2f}",
            f"{results['large'][key]:.2f}",
            f"[{colour}]{ratio:.2f}x[/]",
        )
    console.print(table)


if __name__ == "__main__":
    main()
