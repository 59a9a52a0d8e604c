"""A case with 150 vendors and 2,000 messages against a 5-vendor case: the case page and
the REST detail must cost at most 1.5x.

One SQLite database holds both cases, built through the services where the rules matter
(cases, participants, products, vulnerabilities) and with bulk inserts for the 2,000
messages. Each case is coordinated by a SingCERT-like CERT with a co-coordinating MyCERT,
has one vulnerability, one product per vendor with a status, and messages spread over the
general thread and the product threads with mixed audiences. It times, for the
coordinator and for one vendor, the case page (GET /cases/{id}) and the REST detail
(GET /api/v1/cases/{id}), and reports large / small.

Run: ``python -m benchmarks.cases`` (``ASEANCYBER_BENCH_QUICK=1`` repeats each call 3 times
instead of 25).
"""

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access import service as access_service
from aseancyber.access.models import (
    MemberState,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserRole,
)
from aseancyber.access.policy import Tlp
from aseancyber.app import create_app
from aseancyber.cases import catalogue, participants, service
from aseancyber.cases.messages import service as messages
from aseancyber.cases.messages.models import Message, MessageAudience
from aseancyber.cases.models import CaseKind, Participant, ParticipantRole, ProductStatus, Sector
from aseancyber.cases.schemas import (
    CaseCreate,
    ParticipantAdd,
    ProductCreate,
    StatusSet,
    VulnerabilityCreate,
)
from aseancyber.db import make_engine, new_id
from aseancyber.settings import Environment, Settings, use_settings
from aseancyber.web.security import SESSION_COOKIE

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"small": (5, 40), "large": (150, 2_000)}  # vendors, messages
console = Console()


def _migrate(engine: Engine) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def _state(db: Session, iso2: str, name: str) -> MemberState:
    state = MemberState(
        name=name,
        iso2=iso2,
        iso3=iso2 + "X",
        accession_date=datetime(1967, 8, 8, tzinfo=UTC).date(),
        time_zone="Asia/Singapore",
    )
    db.add(state)
    db.flush()
    return state


def _user(db: Session, organisation: Organisation, email: str, role: Role) -> User:
    user = User(
        email=email,
        display_name=email.split("@", maxsplit=1)[0],
        organisation_id=organisation.id,
        password_hash=None,  # benchmark readers sign in through sessions made directly
        time_zone="Asia/Singapore",
    )
    user.roles = [UserRole(role=role)]
    db.add(user)
    db.flush()
    return user


def _case(
    db: Session,
    *,
    label: str,
    vendors: int,
    message_count: int,
    coordinator: User,
    co_coordinator: Organisation,
) -> tuple[str, str]:
    """A case with ``vendors`` vendors and ``message_count`` messages; (case id, vendor email)."""
    lead = access_service.actor_for(coordinator)
    case = service.create(
        db,
        actor=lead,
        data=CaseCreate(
            title=f"Benchmark case ({label})",
            kind=CaseKind.VULNERABILITY,
            tlp=Tlp.AMBER,
            sectors=[Sector.ENERGY],
        ),
    )
    participants.add(
        db,
        actor=lead,
        case_id=case.id,
        data=ParticipantAdd(role=ParticipantRole.COORDINATOR, organisation_id=co_coordinator.id),
    )
    vulnerability = catalogue.add_vulnerability(
        db,
        actor=lead,
        case_id=case.id,
        data=VulnerabilityCreate(
            title="Overflow",
            cve="CVE-2026-99999",
            cvss_vector="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        ),
    )
    first_vendor_email = ""
    seats: list[Participant] = []
    thread_ids = [messages.general_thread(db, case=case).id]
    for n in range(vendors):
        organisation = Organisation(
            name=f"Bench vendor {label} {n}", short_name=f"V{n}", kind=OrganisationKind.VENDOR
        )
        db.add(organisation)
        db.flush()
        email = f"vendor{n}.{label}@bench.example"
        _user(db, organisation, email, Role.CONTRIBUTOR)
        first_vendor_email = first_vendor_email or email
        seat = participants.add(
            db,
            actor=lead,
            case_id=case.id,
            data=ParticipantAdd(role=ParticipantRole.VENDOR, organisation_id=organisation.id),
        )
        seats.append(seat)
        product = catalogue.add_product(
            db,
            actor=lead,
            case_id=case.id,
            data=ProductCreate(
                vendor_name=f"Vendor {n}",
                product_name="Gateway",
                version_range="2.0",
                vendor_participant_id=seat.id,
            ),
        )
        catalogue.set_status(
            db,
            actor=lead,
            case_id=case.id,
            vulnerability_id=vulnerability.id,
            data=StatusSet(product_id=product.id, status=ProductStatus.KNOWN_AFFECTED),
        )
        if n % 10 == 0:
            thread_ids.append(messages.product_thread(db, case=case, product=product).id)
    randomness = random.Random(5)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    audiences = [MessageAudience.ALL, MessageAudience.COORDINATORS, MessageAudience.PARTICIPANT]
    rows = []
    for n in range(message_count):
        audience = randomness.choice(audiences)
        rows.append(
            {
                "id": new_id(),
                "case_id": case.id,
                "thread_id": randomness.choice(thread_ids),
                "author_id": coordinator.id,
                "author_participant_id": None,
                "audience": audience,
                "audience_participant_id": randomness.choice(seats).id
                if audience is MessageAudience.PARTICIPANT
                else None,
                "body": f"Message {n}: status update on the fix, " + "details " * 20,
                "created_at": start + timedelta(minutes=n),
            }
        )
    db.execute(insert(Message), rows)
    return case.id, first_vendor_email


def _build(path: Path) -> tuple[sessionmaker[Session], dict[str, tuple[str, str]], str]:
    engine = make_engine(f"sqlite:///{path}")
    _migrate(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    cases = {}
    with factory.begin() as db:
        sg, my = _state(db, "SG", "Singapore"), _state(db, "MY", "Malaysia")
        sg_cert = Organisation(
            name="Bench SingCERT",
            short_name="SG",
            kind=OrganisationKind.NATIONAL_CERT,
            member_state_id=sg.id,
        )
        my_cert = Organisation(
            name="Bench MyCERT",
            short_name="MY",
            kind=OrganisationKind.NATIONAL_CERT,
            member_state_id=my.id,
        )
        db.add_all([sg_cert, my_cert])
        db.flush()
        coordinator = _user(db, sg_cert, "coordinator@bench.example", Role.COORDINATOR)
        for label, (vendors, message_count) in SIZES.items():
            cases[label] = _case(
                db,
                label=label,
                vendors=vendors,
                message_count=message_count,
                coordinator=coordinator,
                co_coordinator=my_cert,
            )
    with factory() as db:
        db.execute(text("ANALYZE"))
        db.commit()
    return factory, cases, "coordinator@bench.example"


def _timed_pair(
    small: Callable[[], object], large: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median milliseconds of each call, the two alternating (after one warm-up each)."""
    small()
    large()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for call, into in ((small, samples[0]), (large, samples[1])):
            began = time.perf_counter()
            call()
            into.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples[0]), statistics.median(samples[1])


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


def _bytes(client: TestClient, url: str) -> int:
    return len(client.get(url).content)


def main() -> None:
    quick = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
    repeats = 3 if quick else 25
    folder = Path(tempfile.mkdtemp(prefix="aseancyber-bench-cases-"))
    settings = Settings(
        environment=Environment.TEST,
        secret_key="benchmark-secret-key",  # noqa: S106 - a throwaway database only
        database_url=f"sqlite:///{folder / 'unused.db'}",
        run_jobs_in_process=False,
        _env_file=None,
    )
    use_settings(settings)
    messages.set_storage_dir(folder / "attachments")
    console.rule("cases: a 150-vendor, 2,000-message case against a 5-vendor case")
    began = time.perf_counter()
    figures: dict[tuple[str, str, str], float] = {}
    sizes: dict[tuple[str, str, str], int] = {}
    try:
        factory, cases, coordinator_email = _build(folder / "cases.db")
        console.print(f"  built in {time.perf_counter() - began:.1f} s")
        coordinator = _client(factory, settings, coordinator_email)
        vendors = {
            label: _client(factory, settings, vendor_email)
            for label, (_, vendor_email) in cases.items()
        }
        for reader in ("coordinator", "vendor"):
            for call, pattern in (
                ("case page", "/cases/{}"),
                ("REST detail", "/api/v1/cases/{}"),
            ):
                calls = {
                    label: partial(
                        _get,
                        coordinator if reader == "coordinator" else vendors[label],
                        pattern.format(case_id),
                    )
                    for label, (case_id, _) in cases.items()
                }
                # Alternate small and large calls so that load from elsewhere on the
                # machine falls on both alike.
                timed = _timed_pair(calls["small"], calls["large"], repeats)
                for label, value in zip(("small", "large"), timed, strict=True):
                    figures[(reader, call, label)] = value
                    client = coordinator if reader == "coordinator" else vendors[label]
                    sizes[(reader, call, label)] = _bytes(client, pattern.format(cases[label][0]))
        factory.kw["bind"].dispose()
    finally:
        messages.set_storage_dir(None)
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()
    table = Table(title=f"Case detail on SQLite (ms, median of {repeats}; KiB of the answer)")
    for column in ("reader", "call", "5 vendors", "150 vendors", "ratio", "KiB small/large"):
        table.add_column(column, justify="left" if column in {"reader", "call"} else "right")
    for reader in ("coordinator", "vendor"):
        for call in ("case page", "REST detail"):
            small, large = figures[(reader, call, "small")], figures[(reader, call, "large")]
            ratio = large / small
            colour = "green" if ratio <= 1.5 else "red"
            table.add_row(
                reader,
                call,
                f"{small:.1f}",
                f"{large:.1f}",
                f"[{colour}]{ratio:.2f}x[/]",
                f"{sizes[(reader, call, 'small')] / 1024:.0f}/"
                f"{sizes[(reader, call, 'large')] / 1024:.0f}",
            )
    console.print(table)


if __name__ == "__main__":
    main()
