"""Running a sync: pull each remote collection, push each chosen local one, explain it all.

A sync is many units of work, not one: each page pulled (or batch pushed) is committed
together with its cursor and the outcome of every object in it, so a crash or a restart
resumes from the last committed page and nothing is lost or stored twice (ingest treats
the same id and version as a no-op). HTTP never runs inside a database transaction.
This is why, unlike the services, this module takes a session factory and commits.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber import audit
from aseancyber.access.policy import Actor
from aseancyber.db import utcnow
from aseancyber.errors import ServiceError
from aseancyber.federation import health
from aseancyber.federation.client import Credentials, TaxiiClient, TaxiiError
from aseancyber.federation.models import (
    DeadLetter,
    Direction,
    Mapping,
    OutcomeKind,
    Peer,
    RunState,
    SyncRun,
)
from aseancyber.federation.push import push_mapping, push_one
from aseancyber.federation.records import (
    Progress,
    SyncReport,
    dead_letter,
    organisation_reader,
    outcome_row,
    resolve,
    unit,
    write_outcomes,
)
from aseancyber.federation.secrets import decrypt
from aseancyber.sharing import ingest as ingest_service
from aseancyber.sharing import stix
from aseancyber.sharing.models import Collection

log = logging.getLogger(__name__)
PAGE = 1000
# Resuming re-reads this much before the last committed page: peers such as medallion give
# many objects one date_added, and re-reading a few is a no-op while skipping any is loss.
RESUME_OVERLAP = timedelta(milliseconds=1)
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
        with factory() as db:
            peer = db.get(Peer, peer_id)
            assert peer is not None
            client = client_factory(peer)
        for mapping_id in mapping_ids:
            try:
                _pull(
                    factory,
                    client=client,
                    peer_id=peer_id,
                    mapping_id=mapping_id,
                    report=report,
                    progress=progress,
                )
                push_mapping(
                    factory,
                    client=client,
                    peer_id=peer_id,
                    mapping_id=mapping_id,
                    report=report,
                    progress=progress,
                )
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


def _joined(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def _finish(factory: sessionmaker[Session], peer_id: str, report: SyncReport) -> None:
    with unit(factory) as db:
        run = db.get(SyncRun, report.run_id)
        peer = db.get(Peer, peer_id)
        assert run is not None
        assert peer is not None
        now = utcnow()
        run.finished_at = now
        run.state = RunState.SUCCEEDED if report.ok else RunState.FAILED
        run.error = report.error
        run.pulled, run.pushed = report.pulled, report.pushed
        run.rejected, run.withheld = report.rejected, report.withheld
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


# --- pull --------------------------------------------------------------------------------------


def ingest_actor(db: Session, *, peer: Peer) -> Actor:
    """Who stores what is pulled: the peer's organisation (the owner of what arrives),
    recorded as written by the administrator who registered the peer."""
    if peer.created_by_id is None:
        raise TaxiiError("the peer's administrator account is gone: save the peer again")
    reader = organisation_reader(db, peer=peer, organisation_id=peer.organisation_id)
    return Actor(
        user_id=peer.created_by_id,
        organisation_id=reader.organisation_id,
        member_state_id=reader.member_state_id,
        is_community=reader.is_community,
        roles=reader.roles,
        display_name=reader.display_name,
    )


def _pull(
    factory: sessionmaker[Session],
    *,
    client: TaxiiClient,
    peer_id: str,
    mapping_id: str,
    report: SyncReport,
    progress: Progress | None,
) -> None:
    with factory() as db:
        mapping = db.get(Mapping, mapping_id)
        if mapping is None or not mapping.pull:
            return
        remote = mapping.remote_collection_id
        cursor = mapping.pull_added_after
    added_after = stix.format_timestamp(cursor - RESUME_OVERLAP) if cursor else None
    next_token: str | None = None
    done = 0
    while True:
        page = client.get_objects(
            remote, added_after=added_after, next_token=next_token, limit=PAGE
        )
        if page.objects:
            store_pulled(
                factory,
                peer_id=peer_id,
                mapping_id=mapping_id,
                page_objects=page.objects,
                date_added_last=page.date_added_last,
                report=report,
            )
        done += len(page.objects)
        if progress is not None:
            progress(f"pull {remote}", done, None)
        if not page.more or not page.objects:
            return
        if page.next:
            next_token = page.next
        elif page.date_added_last:
            added_after, next_token = page.date_added_last, None
        else:
            raise TaxiiError("the peer says there is more but gives neither next nor a date")


def store_pulled(
    factory: sessionmaker[Session],
    *,
    peer_id: str,
    mapping_id: str,
    page_objects: list[Any],
    date_added_last: str | None,
    report: SyncReport,
    run_id: str | None = None,
) -> None:
    """Ingest one page and commit it with its outcomes and the pull cursor, all or nothing."""
    with unit(factory) as db:
        peer = db.get(Peer, peer_id)
        mapping = db.get(Mapping, mapping_id)
        assert peer is not None
        assert mapping is not None
        collection = db.get(Collection, mapping.local_collection_id)
        assert collection is not None
        actor = ingest_actor(db, peer=peer)
        outcomes: list[dict[str, Any]] = []
        for start in range(0, len(page_objects), ingest_service.BATCH):
            chunk = page_objects[start : start + ingest_service.BATCH]
            for result in _ingest_isolated(
                db, actor=actor, collection=collection, peer=peer, mapping=mapping, chunk=chunk
            ):
                _record_pulled(db, mapping=mapping, result=result, outcomes=outcomes, report=report)
        write_outcomes(db, run_id or report.run_id, outcomes)
        if date_added_last:
            try:
                moment = stix.parse_timestamp(date_added_last, "X-TAXII-Date-Added-Last")
            except stix.StixProblem:
                moment = None
            if moment is not None and (
                mapping.pull_added_after is None or moment > mapping.pull_added_after
            ):
                mapping.pull_added_after = moment


def _ingest_isolated(
    db: Session,
    *,
    actor: Actor,
    collection: Collection,
    peer: Peer,
    mapping: Mapping,
    chunk: list[Any],
) -> list[ingest_service.IngestReport]:
    """Ingest a chunk in a savepoint; if something in it raises (an object no check
    foresaw), undo the chunk and ingest its objects one by one, so only the object that
    raises is refused (and becomes a dead letter) and the rest of the page is stored."""

    def attempt(objects: list[Any]) -> ingest_service.IngestReport:
        with db.begin_nested():
            return ingest_service.ingest(
                db,
                actor=actor,
                collection=collection,
                objects=objects,
                # Our credentials received it there, so our organisation may read it here.
                audience_organisation_ids=[peer.owner_organisation_id],
                minimum_label=mapping.minimum_label,
                # The peer's organisation owns what arrives; a created_by_ref naming someone
                # else is kept as the claim of an unverified author, not refused.
                keep_claimed_authors=True,
            )

    try:
        return [attempt(chunk)]
    except (ServiceError, TaxiiError):
        raise
    except Exception:  # narrowed to the object below, then recorded
        log.exception("pulling from peer %s: a chunk failed; storing it object by object", peer.id)
    results = []
    for obj in chunk:
        try:
            results.append(attempt([obj]))
        except (ServiceError, TaxiiError):
            raise
        except Exception as error:  # this object is refused, not the page
            failed = ingest_service.IngestReport(status_id="", total=1, failures=1)
            failed.failed.append(
                ingest_service.Outcome(
                    _text_of(obj, "id", 300),
                    _text_of(obj, "modified", 40) or _text_of(obj, "created", 40),
                    f"could not be stored ({type(error).__name__})",
                )
            )
            results.append(failed)
    return results


def _text_of(obj: Any, name: str, limit: int) -> str:
    value = obj.get(name) if isinstance(obj, dict) else None
    return value[:limit] if isinstance(value, str) else ""


def _record_pulled(
    db: Session,
    *,
    mapping: Mapping,
    result: ingest_service.IngestReport,
    outcomes: list[dict[str, Any]],
    report: SyncReport,
) -> None:
    for item in result.succeeded:
        outcomes.append(outcome_row(mapping, Direction.PULL, item.object_id, item.version))
    resolve(db, mapping, Direction.PULL, [(i.object_id, i.version) for i in result.succeeded])
    for item in result.failed:
        outcomes.append(
            outcome_row(
                mapping,
                Direction.PULL,
                item.object_id,
                item.version,
                outcome=OutcomeKind.REJECTED,
                reason=item.message,
            )
        )
        dead_letter(
            db,
            mapping=mapping,
            direction=Direction.PULL,
            stix_id=item.object_id,
            version=item.version,
            reason=item.message,
        )
    report.pulled += result.successes
    report.rejected += result.failures


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
        with factory() as db:
            peer = db.get(Peer, peer_id)
            assert peer is not None
            client = client_factory(peer)
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
    _close_run(factory, report)
    return report


def _close_run(factory: sessionmaker[Session], report: SyncReport) -> None:
    with unit(factory) as db:
        run = db.get(SyncRun, report.run_id)
        assert run is not None
        run.finished_at = utcnow()
        run.state = RunState.SUCCEEDED if report.ok else RunState.FAILED
        run.error = report.error
        run.pulled, run.pushed = report.pulled, report.pushed
        run.rejected, run.withheld = report.rejected, report.withheld


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
