"""Common positions: how long the status board, an endorsement and the position list take
as the number of positions and answers grows (SQLite, in a temporary database).

    .venv/bin/python benchmarks/positions.py          # 300 positions
    ASEANCYBER_BENCH_QUICK=1 .venv/bin/python benchmarks/positions.py   # 40 positions
"""

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import MemberState, User
from aseancyber.access.service import actor_for
from aseancyber.db import make_engine
from aseancyber.demo import load_demo
from aseancyber.positions import consensus, service
from aseancyber.positions.models import ResponseKind
from aseancyber.positions.schemas import PositionCreate, ResponseCreate
from aseancyber.reference import load_reference
from aseancyber.settings import Settings, use_settings

ROOT = Path(__file__).resolve().parent.parent


def _timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    quick = bool(os.environ.get("ASEANCYBER_BENCH_QUICK"))
    count = 40 if quick else 300
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        use_settings(Settings(database_url=url, _env_file=None))
        engine = make_engine(url)
        with engine.begin() as connection:
            config = Config(str(ROOT / "alembic.ini"))
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory.begin() as db:
            load_reference(db)
            load_demo(db)
        with factory.begin() as db:
            rows = _measure(db, count)
        engine.dispose()
    print(f"{'operation':<48} {'median ms':>10} {'max ms':>10}")
    for name, (median, worst) in rows.items():
        print(f"{name:<48} {median:>10.1f} {worst:>10.1f}")


def _measure(db: Session, count: int) -> dict[str, tuple[float, float]]:
    coordinator = db.scalar(select(User).where(User.email == "coordinator@example.org"))
    assert coordinator is not None
    drafter = actor_for(coordinator)
    states = list(db.scalars(select(MemberState).order_by(MemberState.iso2)))
    diplomats = [
        actor_for(user)
        for user in db.scalars(select(User).where(User.email.like("diplomat.%@example.org")))
    ]
    positions = []
    start = time.perf_counter()
    for n in range(count):
        position = service.create(
            db,
            actor=drafter,
            data=PositionCreate(
                title=f"Bench {n}", paragraphs=[f"Paragraph {i}" for i in range(20)]
            ),
        )
        positions.append(position)
        for diplomat in diplomats[: n % len(diplomats)]:
            consensus.respond(
                db,
                actor=diplomat,
                position_id=position.id,
                data=ResponseCreate(version_number=1, kind=ResponseKind.ENDORSE),
            )
    created = (time.perf_counter() - start) * 1000 / count
    target = positions[-1]
    return {
        f"create + answers, per position ({len(states)} states)": (created, created),
        "status board of one position": _timed(lambda: consensus.board(db, position=target), 50),
        "list first page (50) as a diplomat": _timed(
            lambda: service.list_(db, reader=diplomats[0], limit=50), 20
        ),
        "count visible positions": _timed(lambda: service.count(db, reader=diplomats[0]), 20),
        "diff of two 20-paragraph versions": _timed(
            lambda: service.diff(db, position=target, from_version=1, to_version=1), 20
        ),
    }


if __name__ == "__main__":
    main()
