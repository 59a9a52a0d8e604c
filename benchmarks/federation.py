"""Federation: 100,000 STIX objects synced between two local nodes over TAXII 2.1.

Node A (Singapore) serves its regional collection from its own ``aseancyber serve``
process; node B (Malaysia) runs ``aseancyber sync node-a`` as a process of its own, the
path an operator uses. Measured:

- **pull**: B pulls all objects from A (pages of 1,000, each committed with its cursor
  and the outcome of every object), objects per second and B's peak memory (RSS);
- **push**: B pushes the same objects on to a second, empty collection on A (TAXII POST
  in batches of 500, each object decided by the TLP policy), objects per second;
- **side by side**: taxii2-client, the OASIS reference client, only *reading* the same
  100,000 objects from A page by page (no validation, no storage): the transport ceiling.

Run: ``python -m benchmarks.federation`` (``ASEANCYBER_BENCH_QUICK=1`` syncs 5,000).
"""

import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from alembic.config import Config
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access import service as access_service
from aseancyber.access.models import Organisation, Role, TokenScope, User, UserRole
from aseancyber.access.policy import Tlp
from aseancyber.db import make_engine
from aseancyber.federation import service as federation_service
from aseancyber.federation.models import Mapping, PeerAuth, SyncRun
from aseancyber.reference import load_reference
from aseancyber.settings import Environment, Settings, use_settings
from aseancyber.sharing import ingest, stix
from aseancyber.sharing.models import Collection, CollectionKind, StixObject
from aseancyber.sharing.service import add_tlp_definitions

ROOT = Path(__file__).resolve().parent.parent
ASEANCYBER = str(ROOT / ".venv" / "bin" / "aseancyber")
QUICK = os.environ.get("ASEANCYBER_BENCH_QUICK") == "1"
TOTAL = 5_000 if QUICK else 100_000
SECRET = "benchmark-secret-key-not-for-production"  # noqa: S105 - a throwaway node
console = Console()


def _migrate(engine: Engine) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _user(db: Session, email: str, short_name: str, *roles: Role) -> tuple[User, str]:
    org = db.scalars(select(Organisation).where(Organisation.short_name == short_name)).one()
    user = User(
        email=email,
        display_name=email,
        organisation_id=org.id,
        password_hash=None,
        time_zone="UTC",
    )
    user.roles = [UserRole(role=role) for role in roles]
    db.add(user)
    db.flush()
    db.refresh(user)
    token = access_service.create_token(
        db, user=user, name="benchmark", scope=TokenScope.READ_WRITE, expires_at=None
    )
    return user, token.secret


def _collection(db: Session, owner: User, title: str) -> Collection:
    collection = Collection(
        title=title,
        kind=CollectionKind.REGIONAL,
        owner_organisation_id=owner.organisation_id,
        default_tlp=Tlp.GREEN,
    )
    db.add(collection)
    db.flush()
    add_tlp_definitions(db, collection=collection, owner_organisation_id=owner.organisation_id)
    return collection


def _objects(total: int, namespace: str = "bench") -> list[dict[str, Any]]:
    when = "2026-10-01T00:00:00.000Z"
    green = stix.MARKING_FOR_LABEL[Tlp.GREEN]
    return [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'{namespace}/{n}')}",
            "created": when,
            "modified": when,
            "name": f"C2 server {n}",
            "indicator_types": ["malicious-activity"],
            "pattern": f"[ipv4-addr:value = '10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']",
            "pattern_type": "stix",
            "valid_from": when,
            "object_marking_refs": [green],
        }
        for n in range(total)
    ]


def _node(path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{path}")
    _migrate(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        load_reference(db)
    return factory


def _serve(path: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603 - our own command
        [ASEANCYBER, "--database", f"sqlite:///{path}", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=path.parent,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/taxii2/", timeout=1).status_code == 401:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # waiting for another process to listen
    process.kill()
    raise SystemExit("node A did not start")


def _timed_child(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL)  # noqa: S603
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{args} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def _reference_client_read(api_root: str, collection_id: str, token: str) -> float:
    from taxii2client.common import _HTTPConnection  # noqa: PLC0415
    from taxii2client.v21 import Collection as ClientCollection  # noqa: PLC0415
    from taxii2client.v21 import as_pages  # noqa: PLC0415

    connection = _HTTPConnection(user="benchmark", password=token, version="2.1")
    collection = ClientCollection(f"{api_root}collections/{collection_id}/", conn=connection)
    start = time.perf_counter()
    count = 0
    for envelope in as_pages(collection.get_objects, per_request=1000):
        count += len(envelope.get("objects", []))
    elapsed = time.perf_counter() - start
    assert count >= TOTAL, count
    return elapsed


def _build_a(factory: sessionmaker[Session]) -> tuple[str, str, str, str]:
    """Node A: its admin, B's account, the collection to pull and one to push into."""
    with factory.begin() as db:
        a_admin, a_token = _user(db, "admin@singcert.example", "SingCERT", Role.COORDINATOR)
        _, b_account_on_a = _user(db, "node@mycert.example", "MyCERT", Role.CONTRIBUTOR)
        source = _collection(db, a_admin, "ASEAN regional")
        target = _collection(db, a_admin, "ASEAN regional (pushed back)")
        objects = _objects(TOTAL)
        for start in range(0, TOTAL, 10_000):
            ingest.ingest(
                db,
                actor=access_service.actor_for(a_admin),
                collection=source,
                objects=objects[start : start + 10_000],
            )
        source_id, target_id = source.id, target.id
    return a_token, b_account_on_a, source_id, target_id


def _build_b(
    factory: sessionmaker[Session], *, api_root: str, secret: str, source_id: str, target_id: str
) -> tuple[str, str, str]:
    """Node B: its admin, its own objects to push, the peer for A and two mappings."""
    with factory.begin() as db:
        b_admin, _ = _user(
            db, "admin@mycert.example", "MyCERT", Role.ORGANISATION_ADMIN, Role.COORDINATOR
        )
        local = _collection(db, b_admin, "ASEAN regional")
        outbound = _collection(db, b_admin, "MyCERT outbound")
        actor = access_service.actor_for(b_admin)
        # B's own objects (other ids) to push: what B pulled from A would only echo.
        theirs = _objects(TOTAL, namespace="mycert")
        for start in range(0, TOTAL, 10_000):
            ingest.ingest(
                db, actor=actor, collection=outbound, objects=theirs[start : start + 10_000]
            )
        peer = federation_service.create_peer(
            db,
            actor=actor,
            name="node-a",
            api_root_url=api_root,
            auth=PeerAuth.BEARER,
            secret=secret,
            organisation_id=db.scalars(
                select(Organisation.id).where(Organisation.short_name == "SingCERT")
            ).one(),
        )
        pull_mapping = federation_service.add_mapping(
            db,
            actor=actor,
            peer=peer,
            remote_collection_id=source_id,
            local_collection_id=local.id,
            pull=True,
            push=False,
        )
        push_mapping = federation_service.add_mapping(
            db,
            actor=actor,
            peer=peer,
            remote_collection_id=target_id,
            local_collection_id=outbound.id,
            pull=False,
            push=True,
        )
    return pull_mapping.id, push_mapping.id, local.id


def main() -> None:
    use_settings(Settings(environment=Environment.TEST, secret_key=SECRET, _env_file=None))
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        a_path, b_path = base / "a.db", base / "b.db"
        port = _free_port()
        api_root = f"http://127.0.0.1:{port}/taxii2/api/"
        console.print(f"Federation: building node A with {TOTAL:,} objects and node B...")
        a_factory, b_factory = _node(a_path), _node(b_path)
        a_token, b_account_on_a, source_id, target_id = _build_a(a_factory)
        pull_mapping_id, push_mapping_id, local_id = _build_b(
            b_factory,
            api_root=api_root,
            secret=b_account_on_a,
            source_id=source_id,
            target_id=target_id,
        )
        env = {
            **os.environ,
            "ASEANCYBER_SECRET_KEY": SECRET,
            "ASEANCYBER_RUN_JOBS_IN_PROCESS": "false",
        }
        server = _serve(a_path, port, env)
        try:
            # Pull first, then push, each run timed on its own.
            _switch(b_factory, push_mapping_id, pull=False, push=False)
            sync_args = [ASEANCYBER, "--database", f"sqlite:///{b_path}", "sync", "node-a"]
            pull_seconds, pull_rss = _timed_child(sync_args, env, base)
            pull_run = _last_run_seconds(b_factory)
            with b_factory() as db:
                pulled = db.scalar(
                    select(func.count())
                    .select_from(StixObject)
                    .where(StixObject.collection_id == local_id, StixObject.type == "indicator")
                )
            assert pulled == TOTAL, pulled
            _switch(b_factory, pull_mapping_id, pull=False, push=False)
            _switch(b_factory, push_mapping_id, pull=False, push=True)
            push_seconds, push_rss = _timed_child(sync_args, env, base)
            push_run = _last_run_seconds(b_factory)
            with b_factory() as db:
                run = db.scalars(select(SyncRun).order_by(SyncRun.started_at.desc())).first()
                assert run is not None
                assert run.state.value == "succeeded", run.error
                pushed = run.pushed
            reference_seconds = _reference_client_read(api_root, source_id, a_token)
        finally:
            server.terminate()
            server.wait(10)
    _report(
        pull_seconds=pull_seconds,
        pull_run=pull_run,
        push_run=push_run,
        pull_rss=pull_rss,
        push_seconds=push_seconds,
        push_rss=push_rss,
        pushed=pushed,
        reference_seconds=reference_seconds,
    )


def _last_run_seconds(factory: sessionmaker[Session]) -> float:
    """The sync run's own time, as it recorded it (without the process start)."""
    with factory() as db:
        run = db.scalars(select(SyncRun).order_by(SyncRun.started_at.desc())).first()
        assert run is not None
        assert run.finished_at is not None
        return (run.finished_at - run.started_at).total_seconds()


def _switch(factory: sessionmaker[Session], mapping_id: str, *, pull: bool, push: bool) -> None:
    with factory.begin() as db:
        mapping = db.get(Mapping, mapping_id)
        assert mapping is not None
        mapping.pull, mapping.push = pull, push


def _free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _report(
    *,
    pull_seconds: float,
    pull_run: float,
    push_run: float,
    pull_rss: float,
    push_seconds: float,
    push_rss: float,
    pushed: int,
    reference_seconds: float,
) -> None:
    table = Table(
        title=f"Federation sync of {TOTAL:,} objects over TAXII 2.1 (loopback)",
        title_justify="left",
    )
    table.add_column("What")
    table.add_column("Process s", justify="right")
    table.add_column("Run s", justify="right")
    table.add_column("Objects/s (run)", justify="right")
    table.add_column("Peak RSS MiB", justify="right")
    table.add_row(
        "aseancyber sync: pull A -> B (validated, stored, outcomes, cursor)",
        f"{pull_seconds:.1f}",
        f"{pull_run:.1f}",
        f"{TOTAL / pull_run:,.0f}",
        f"{pull_rss:.0f}",
    )
    table.add_row(
        f"aseancyber sync: push B -> A ({pushed:,} incl. 5 TLP definitions, policy-checked)",
        f"{push_seconds:.1f}",
        f"{push_run:.1f}",
        f"{pushed / push_run:,.0f}",
        f"{push_rss:.0f}",
    )
    table.add_row(
        "taxii2-client: read only from A (reference client, nothing stored)",
        "-",
        f"{reference_seconds:.1f}",
        f"{TOTAL / reference_seconds:,.0f}",
        "-",
    )
    console.print(table)
    console.print(
        "Process s includes starting the `aseancyber sync` process; Run s is the sync run as "
        f"it recorded itself. The pull stores at {reference_seconds / pull_run:.2f}x the "
        "rate at which the reference client merely reads the same pages."
    )


if __name__ == "__main__":
    main()
