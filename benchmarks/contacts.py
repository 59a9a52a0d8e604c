"""The communication-check results page with 2,000 points of contact, against the demo.

The results page computes, over the contacts the reader may see (``visible_to`` joined on
every query), who answered and the median and 90th-percentile response times by state and
kind, then shows one page of targets. This benchmark builds two SQLite databases:

- **demo**: the demo data (55 contacts, 5 per state, and one past check of all of them);
- **large**: the demo plus synthetic contacts up to 2,000 across the 11 states and five
  kinds (with the demo's labels), and one check of all 2,000 (about 88% answered).

It times, for two readers (the regional coordinator and another state's CERT analyst), the
results computation, the results page, the page of unanswered contacts, the check history
and the contacts directory, and reports large / demo: the target is at most 1.5x. Times
are CPU milliseconds of this process (server and SQLite run in it), which stay fair when
other work shares the machine.

Run: ``python -m benchmarks.contacts`` (``ASEANCYBER_BENCH_QUICK=1`` repeats each call 3
times instead of 15).
"""

import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access import service as access_service
from aseancyber.access.models import MemberState, Organisation, OrganisationKind, User
from aseancyber.access.policy import Tlp
from aseancyber.app import create_app
from aseancyber.contacts import checks_service
from aseancyber.contacts.models import (
    CheckStatus,
    CheckTarget,
    Contact,
    ContactCheck,
    ContactKind,
)
from aseancyber.db import make_engine
from aseancyber.demo import load_demo
from aseancyber.demo.contacts import PAST_CHECK_TITLE
from aseancyber.settings import Environment, Settings, use_settings
from aseancyber.web.security import SESSION_COOKIE

ROOT = Path(__file__).resolve().parent.parent
TOTAL_CONTACTS = 2_000
LARGE_CHECK_TITLE = "Benchmark check of 2,000 contacts"
READERS = {
    "regional coordinator": "coordinator@example.org",
    "CERT analyst, another state": "analyst.my@example.org",
}
KIND_ORGANISATIONS = {
    ContactKind.DIPLOMATIC: OrganisationKind.FOREIGN_MINISTRY,
    ContactKind.TECHNICAL: OrganisationKind.NATIONAL_CERT,
    ContactKind.LAW_ENFORCEMENT: OrganisationKind.LAW_ENFORCEMENT,
    ContactKind.DEFENCE: OrganisationKind.DEFENCE,
    ContactKind.SECTORAL: OrganisationKind.NATIONAL_CYBER_AGENCY,
}
console = Console()


def _migrate(engine: Engine) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def _grow(db: Session) -> None:
    """Synthetic contacts up to 2,000 and one check of all of them."""
    rng = random.Random(2026)
    now = datetime.now(UTC)
    states = db.scalars(select(MemberState)).all()
    owners = {
        (o.member_state_id, o.kind): o.id
        for o in db.scalars(select(Organisation).where(Organisation.member_state_id.is_not(None)))
    }
    existing = db.scalar(select(func.count()).select_from(Contact)) or 0
    rows = []
    for number in range(TOTAL_CONTACTS - existing):
        state = states[number % len(states)]
        kind = list(ContactKind)[number % len(ContactKind)]
        owner = owners.get((state.id, KIND_ORGANISATIONS[kind]))
        if owner is None:
            owner = owners[(state.id, OrganisationKind.NATIONAL_CERT)]
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "kind": kind,
                "name": f"Contact {number:05d} ({kind.value})",
                "role": "Synthetic point of contact",
                "sector": "Energy" if kind is ContactKind.SECTORAL else "",
                "email": f"bench{number:05d}@example.org",
                "phone": "",
                "hours": "24/7",
                "time_zone": state.time_zone,
                "languages": "English",
                "pgp_fingerprint": "",
                "notes": "",
                "member_state_id": state.id,
                "last_verified_on": (now - timedelta(days=rng.randrange(400))).date(),
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "owner_organisation_id": owner,
                "tlp": Tlp.GREEN if rng.random() < 0.9 else Tlp.AMBER,
                "green_includes_external": False,
            }
        )
    db.execute(insert(Contact), rows)
    coordinator_org = db.scalar(
        select(User.organisation_id).where(User.email == READERS["regional coordinator"])
    )
    launched = now - timedelta(days=2)
    check = ContactCheck(
        title=LARGE_CHECK_TITLE,
        organisation_id=coordinator_org,
        launched_at=launched,
        remind_at=launched + timedelta(hours=24),
        escalate_at=launched + timedelta(hours=72),
        closes_at=launched + timedelta(days=7),
        status=CheckStatus.RUNNING,
    )
    db.add(check)
    db.flush()
    targets = []
    for contact_id, state_id, kind in db.execute(
        select(Contact.id, Contact.member_state_id, Contact.kind)
    ).tuples():
        answered = rng.random() < 0.88
        seconds = rng.randrange(60, 40 * 3600)
        targets.append(
            {
                "id": str(uuid.uuid4()),
                "check_id": check.id,
                "contact_id": contact_id,
                "member_state_id": state_id,
                "kind": kind,
                "sent_at": launched,
                "acknowledged_at": launched + timedelta(seconds=seconds) if answered else None,
                "response_seconds": seconds if answered else None,
                "acknowledged_via": "link" if answered else "",
            }
        )
    db.execute(insert(CheckTarget), targets)


def _build(path: Path, *, large: bool) -> tuple[sessionmaker[Session], str]:
    engine = make_engine(f"sqlite:///{path}")
    _migrate(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        load_demo(db)
    if large:
        with factory.begin() as db:
            _grow(db)
    with factory() as db:
        db.execute(text("ANALYZE"))
        db.commit()
        title = LARGE_CHECK_TITLE if large else PAST_CHECK_TITLE
        check_id = db.scalar(select(ContactCheck.id).where(ContactCheck.title == title))
    assert check_id is not None
    return factory, check_id


def _timed(call: Callable[[], object], repeats: int) -> float:
    call()  # warm the caches once, as a running server would have
    samples = []
    for _ in range(repeats):
        began = time.process_time()
        call()
        samples.append((time.process_time() - began) * 1000)
    return statistics.median(samples)


def _client(factory: sessionmaker[Session], settings: Settings, email: str) -> TestClient:
    client = TestClient(create_app(settings=settings, session_factory=factory))
    with factory.begin() as db:
        user = db.scalar(select(User).where(User.email == email))
        assert user is not None, email
        new = access_service.start_session(db, user=user, address="bench")
        new.session.second_factor_done = True
        cookie = new.cookie_value
    client.cookies.set(SESSION_COOKIE, cookie)
    return client


def _get(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])


def _measure(
    factory: sessionmaker[Session], settings: Settings, check_id: str, repeats: int
) -> tuple[dict[tuple[str, str], float], dict[str, int]]:
    figures: dict[tuple[str, str], float] = {}
    with factory() as db:
        sizes = {
            "contacts": db.scalar(select(func.count()).select_from(Contact)) or 0,
            "targets": db.scalar(
                select(func.count())
                .select_from(CheckTarget)
                .where(CheckTarget.check_id == check_id)
            )
            or 0,
        }
        check = db.get(ContactCheck, check_id)
        assert check is not None
        for name, email in READERS.items():
            user = db.scalar(select(User).where(User.email == email))
            assert user is not None
            reader = access_service.actor_for(user)
            figures[(name, "results (service)")] = _timed(
                partial(checks_service.results, db, reader=reader, check=check), repeats
            )
    for name, email in READERS.items():
        client = _client(factory, settings, email)
        pages = {
            "results page (GET)": f"/contacts/checks/{check_id}",
            "unanswered contacts page": f"/contacts/checks/{check_id}?show=unanswered",
            "check history page": "/contacts/checks",
            "contacts directory page": "/contacts",
        }
        for label, url in pages.items():
            figures[(name, label)] = _timed(partial(_get, client, url), repeats)
    return figures, sizes


def main() -> None:
    quick = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
    repeats = 3 if quick else 15
    secret = "benchmark-secret-key"  # noqa: S105 - throwaway databases only
    folder = Path(tempfile.mkdtemp(prefix="aseancyber-bench-contacts-"))
    settings = Settings(
        environment=Environment.TEST,
        secret_key=secret,
        database_url=f"sqlite:///{folder / 'unused.db'}",
        run_jobs_in_process=False,
        _env_file=None,
    )
    use_settings(settings)
    console.rule("contacts: the communication-check results page at 2,000 contacts")
    results = {}
    sizes = {}
    try:
        for label, large in (("demo", False), ("large", True)):
            began = time.perf_counter()
            factory, check_id = _build(folder / f"{label}.db", large=large)
            results[label], sizes[label] = _measure(factory, settings, check_id, repeats)
            console.print(
                f"  {label}: {sizes[label]} built and measured in "
                f"{time.perf_counter() - began:.1f} s"
            )
            factory.kw["bind"].dispose()
    finally:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    table = Table(title=f"Communication-check results on SQLite (CPU ms, median of {repeats})")
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
