"""Pulling: each page of a remote collection is ingested and committed with its outcomes
and the pull cursor, so a restart resumes from the last committed page.

What arrives is owned by the peer's organisation and stored through the same ingest as a
TAXII POST; an object that cannot be stored is refused alone (and kept as a dead letter),
never the page it came in.
"""

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Actor
from aseancyber.errors import ServiceError
from aseancyber.federation.client import TaxiiError
from aseancyber.federation.models import Direction, Mapping, Peer
from aseancyber.federation.records import (
    MappingRun,
    SyncReport,
    organisation_reader,
    outcome_row,
    peer_and_mapping,
    refused,
    resolve,
    unit,
    write_outcomes,
)
from aseancyber.sharing import ingest as ingest_service
from aseancyber.sharing import stix
from aseancyber.sharing.models import Collection

log = logging.getLogger(__name__)
PAGE = 1000
# Resuming re-reads this much before the last committed page: peers such as medallion give
# many objects one date_added, and re-reading a few is a no-op while skipping any is loss.
RESUME_OVERLAP = timedelta(milliseconds=1)


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


def pull_mapping(run: MappingRun) -> None:
    """Pull every new page of one mapping's remote collection, from its cursor."""
    with run.factory() as db:
        mapping = db.get(Mapping, run.mapping_id)
        if mapping is None or not mapping.pull:
            return
        remote = mapping.remote_collection_id
        cursor = mapping.pull_added_after
    added_after = stix.format_timestamp(cursor - RESUME_OVERLAP) if cursor else None
    next_token: str | None = None
    done = 0
    while True:
        page = run.client.get_objects(
            remote, added_after=added_after, next_token=next_token, limit=PAGE
        )
        if page.objects:
            store_pulled(
                run.factory,
                peer_id=run.peer_id,
                mapping_id=run.mapping_id,
                page_objects=page.objects,
                date_added_last=page.date_added_last,
                report=run.report,
            )
        done += len(page.objects)
        if run.progress is not None:
            run.progress(f"pull {remote}", done, None)
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
        peer, mapping = peer_and_mapping(db, peer_id, mapping_id)
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
            refused(
                db,
                mapping=mapping,
                direction=Direction.PULL,
                stix_id=item.object_id,
                version=item.version,
                reason=item.message,
            )
        )
    report.pulled += result.successes
    report.rejected += result.failures
