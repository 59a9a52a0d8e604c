"""Running a sync: pull each remote collection, push each chosen local one, explain it all.

A sync is many units of work, not one: each page pulled (or batch pushed) is committed
together with its cursor and the outcome of every object in it, so a crash or a restart
resumes from the last committed page and nothing is lost or stored twice (ingest treats
the same id and version as a no-op). HTTP never runs inside a database transaction.
This is why, unlike the services, this module takes a session factory and commits.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber import audit
from aseancyber.db import utcnow
from aseancyber.errors import ServiceError
from aseancyber.federation import health
from aseancyber.federation.client import Credentials, TaxiiClient, TaxiiError
from aseancyber.federation.models import DeadLetter, Direction, Mapping, Peer, RunState, SyncRun
from aseancyber.federation.pull import PAGE, pull_mapping, store_pulled
from aseancyber.federation.push import push_mapping, push_one
from aseancyber.federation.records import MappingRun, Progress, SyncReport, unit
from aseancyber.federation.secrets import decrypt

ClientFactory = Callable[[Peer], TaxiiClient]


def client_for(peer: Peer) -> TaxiiClient:
    """A TAXII client with the peer's decrypted credentials."""
    credentials = Credentials(peer.auth, peer.username, decrypt(peer.secret_encrypted))
    return TaxiiClient(peer.api_root_url, credentials)


def sync_peer(
    factory: sessionmaker[Session],
    *,
    peer_id: str,
    trigger: str = "manual",
    client_factory: ClientFactory = client_for,
    progress: Progress | None = None,
) -> SyncReport:
    """Pull and push every mapping of one peer; record the run and the peer's health."""
    with unit(factory) as db:
        peer = db.get(Peer, peer_id)
        if peer is None:
            raise TaxiiError("no such peer")
        # A run still "running" here was cut short (kill -9, power loss): say so.
        for stale in db.scalars(
            select(SyncRun).where(SyncRun.peer_id == peer.id, SyncRun.state == RunState.RUNNING)
        ):
            stale.state = RunState.FAILED
            stale.error = "interrupted: the process stopped before the run ended"
            stale.finished_at = utcnow()
        run = SyncRun(peer_id=peer.id, trigger=trigger, started_at=utcnow())
        db.add(run)
        peer.last_attempt_at = run.started_at
        db.flush()
        report = SyncReport(run_id=run.id)
        mapping_ids = list(
            db.scalars(select(Mapping.id).where(Mapping.peer_id == peer.id).order_by(Mapping.id))
        )
    client: TaxiiClient | None = None
    try:
        client = _client(factory, client_factory, peer_id)
        for mapping_id in mapping_ids:
            mapping_run = MappingRun(factory, client, peer_id, mapping_id, report, progress)
            try:
                pull_mapping(mapping_run)
                push_mapping(mapping_run)
            except TaxiiError as error:
                if error.unreachable:
                    raise  # the peer itself is down: the other mappings would fail alike
                # One collection's bad answer (an unreadable page, a 4xx) is this
                # mapping's failure; the peer's other mappings still run.
                report.ok = False
                report.error = _joined(report.error, f"mapping {mapping_id}: {error.message}")
    except TaxiiError as error:
        report.ok = False
        report.error = error.message
    except ServiceError as error:  # e.g. credentials the current key cannot decrypt
        report.ok = False
        report.error = error.detail
    except Exception as error:  # an unexpected failure is still recorded, then re-raised
        report.ok = False
        report.error = f"{type(error).__name__}: {error}"
        _finish(factory, peer_id, report)
        raise
    finally:
        if client is not None:
            client.close()
    _finish(factory, peer_id, report)
    return report


def _client(
    factory: sessionmaker[Session], client_factory: ClientFactory, peer_id: str
) -> TaxiiClient:
    """A client for the peer, made from its row read in a short session of its own."""
    with factory() as db:
        peer = db.get(Peer, peer_id)
        assert peer is not None
        return client_factory(peer)


def _joined(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def _finish(factory: sessionmaker[Session], peer_id: str, report: SyncReport) -> None:
    with unit(factory) as db:
        now = utcnow()
        run = _close_run(db, report, now=now)
        peer = db.get(Peer, peer_id)
        assert peer is not None
        if report.ok:
            health.record_success(db, peer=peer, now=now)
        else:
            health.record_failure(db, peer=peer, now=now, message=report.error)
        audit.record(
            db,
            action="federation.sync",
            record_kind="federation_peer",
            record_id=peer.id,
            record_organisation_id=peer.owner_organisation_id,
            changed_fields=[
                f"state={run.state.value}",
                f"pulled={report.pulled}",
                f"pushed={report.pushed}",
                f"rejected={report.rejected}",
                f"withheld={report.withheld}",
            ],
            after={"run_id": run.id, "error": report.error},
        )


# --- dead letters and the schedule ------------------------------------------------------------


def retry_dead_letter(
    factory: sessionmaker[Session],
    *,
    dead_letter_id: str,
    client_factory: ClientFactory = client_for,
) -> SyncReport:
    """Try one dead letter again now, as a run of its own (trigger ``retry``)."""
    with unit(factory) as db:
        letter = db.get(DeadLetter, dead_letter_id)
        if letter is None:
            raise TaxiiError("no such dead letter")
        mapping = db.get(Mapping, letter.mapping_id)
        assert mapping is not None
        run = SyncRun(peer_id=letter.peer_id, trigger="retry", started_at=utcnow())
        db.add(run)
        db.flush()
        report = SyncReport(run_id=run.id)
        peer_id, mapping_id = letter.peer_id, mapping.id
        direction, stix_id, version = letter.direction, letter.stix_id, letter.version
        remote = mapping.remote_collection_id
    client: TaxiiClient | None = None
    try:
        client = _client(factory, client_factory, peer_id)
        if direction is Direction.PULL:
            page = client.get_objects(
                remote, match_id=stix_id, match_version=version or "all", limit=PAGE
            )
            if not page.objects:
                raise TaxiiError("the peer no longer has this object version")
            store_pulled(
                factory,
                peer_id=peer_id,
                mapping_id=mapping_id,
                page_objects=page.objects,
                date_added_last=None,
                report=report,
            )
        else:
            push_one(
                factory,
                client=client,
                peer_id=peer_id,
                mapping_id=mapping_id,
                stix_id=stix_id,
                version=version,
                report=report,
            )
    except TaxiiError as error:
        report.ok = False
        report.error = error.message
        with unit(factory) as db:
            found = db.get(DeadLetter, dead_letter_id)
            if found is not None:
                found.attempts += 1
                found.reason = error.message
                found.last_failed_at = utcnow()
                found.next_retry_at = health.retry_at(utcnow(), found.attempts)
    finally:
        if client is not None:
            client.close()
    with unit(factory) as db:
        _close_run(db, report, now=utcnow())
    return report


def _close_run(db: Session, report: SyncReport, *, now: datetime) -> SyncRun:
    """Write what ``report`` says into its run, finished ``now``."""
    run = db.get(SyncRun, report.run_id)
    assert run is not None
    run.finished_at = now
    run.state = RunState.SUCCEEDED if report.ok else RunState.FAILED
    run.error = report.error
    run.pulled, run.pushed = report.pulled, report.pushed
    run.rejected, run.withheld = report.rejected, report.withheld
    return run


MAX_AUTOMATIC_RETRIES = 5


def due_peer_ids(db: Session) -> list[str]:
    """Enabled peers whose next run is due (never run, or past their back-off)."""
    now = utcnow()
    return list(
        db.scalars(
            select(Peer.id)
            .where(
                Peer.enabled.is_(True),
                or_(Peer.next_attempt_at.is_(None), Peer.next_attempt_at <= now),
            )
            .order_by(Peer.next_attempt_at, Peer.id)
        )
    )


def due_dead_letter_ids(db: Session) -> list[str]:
    """Dead letters due for an automatic retry (a person retries those past the limit)."""
    return list(
        db.scalars(
            select(DeadLetter.id)
            .where(
                DeadLetter.resolved_at.is_(None),
                DeadLetter.next_retry_at <= utcnow(),
                DeadLetter.attempts < MAX_AUTOMATIC_RETRIES,
            )
            .limit(100)
        )
    )


def has_due_work(db: Session) -> bool:
    """Cheap check for the scheduler: any peer or dead letter due."""
    return bool(due_peer_ids(db) or due_dead_letter_ids(db))


def run_due(factory: sessionmaker[Session], payload: dict[str, Any]) -> None:
    """Job handler (``InUnits``): sync every due peer and retry due dead letters.

    It holds no transaction while it talks to a peer: each page is committed on its own
    with its cursor, so a frozen peer blocks no other writer, and a worker that dies
    mid-job leaves every committed page in place and the next run resumes from its cursor.
    """
    if isinstance(payload.get("peer_id"), str):
        sync_peer(factory, peer_id=payload["peer_id"], trigger="manual")
        return
    if isinstance(payload.get("dead_letter_id"), str):
        retry_dead_letter(factory, dead_letter_id=payload["dead_letter_id"])
        return
    with factory() as db:
        peer_ids = due_peer_ids(db)
        letter_ids = due_dead_letter_ids(db)
    for peer_id in peer_ids:
        sync_peer(factory, peer_id=peer_id, trigger="scheduled")
    for letter_id in letter_ids:
        retry_dead_letter(factory, dead_letter_id=letter_id)
