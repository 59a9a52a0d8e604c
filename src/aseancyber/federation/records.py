"""What a run writes: each object's outcome, dead letters, and the transaction helper.

Also the organisation-as-reader the policy is asked about for pushes and pulls.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import Organisation, Role
from aseancyber.access.policy import Actor
from aseancyber.db import begin_writing, utcnow
from aseancyber.federation import health
from aseancyber.federation.client import TaxiiClient, TaxiiError
from aseancyber.federation.models import (
    DeadLetter,
    Direction,
    Mapping,
    OutcomeKind,
    Peer,
    SyncOutcome,
)

OUTCOME_TABLE = cast(Table, SyncOutcome.__table__)
Progress = Callable[[str, int, int | None], None]


@dataclass
class SyncReport:
    run_id: str
    ok: bool = True
    error: str = ""
    pulled: int = 0
    pushed: int = 0
    rejected: int = 0
    withheld: int = 0


def organisation_reader(db: Session, *, peer: Peer, organisation_id: str) -> Actor:
    """An organisation as the policy sees a reader: no user, so only what the organisation
    itself may see (a sentinel user id matches no creator and no named user)."""
    org = db.get(Organisation, organisation_id)
    if org is None:
        raise TaxiiError("the peer's organisation no longer exists here")
    return Actor(
        user_id=f"federation:{peer.id}",
        organisation_id=org.id,
        member_state_id=org.member_state_id,
        is_community=org.is_community,
        roles=frozenset({Role.CONTRIBUTOR}),
        display_name=f"peer {peer.name}",
    )


@dataclass(frozen=True)
class MappingRun:
    """One mapping's turn in a sync run: where its sessions come from, the peer's client,
    and the report the run fills in."""

    factory: sessionmaker[Session]
    client: TaxiiClient
    peer_id: str
    mapping_id: str
    report: SyncReport
    progress: Progress | None = None


def peer_and_mapping(db: Session, peer_id: str, mapping_id: str) -> tuple[Peer, Mapping]:
    """The peer and the mapping a run works on (the run found both when it began)."""
    peer = db.get(Peer, peer_id)
    mapping = db.get(Mapping, mapping_id)
    assert peer is not None
    assert mapping is not None
    return peer, mapping


@contextmanager
def unit(factory: sessionmaker[Session]) -> Iterator[Session]:
    db = factory()
    begin_writing(db)
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


def outcome_row(
    mapping: Mapping,
    direction: Direction,
    stix_id: str,
    version: str,
    *,
    outcome: OutcomeKind = OutcomeKind.ACCEPTED,
    reason: str = "",
) -> dict[str, Any]:
    return {
        "mapping_id": mapping.id,
        "direction": direction,
        "stix_id": stix_id[:300],
        "version": version[:40],
        "outcome": outcome,
        "reason": reason,
    }


def write_outcomes(db: Session, run_id: str, outcomes: list[dict[str, Any]]) -> None:
    if outcomes:
        for outcome in outcomes:
            outcome["run_id"] = run_id
        db.execute(insert(OUTCOME_TABLE), outcomes)


def dead_letter(
    db: Session, *, mapping: Mapping, direction: Direction, stix_id: str, version: str, reason: str
) -> DeadLetter:
    """Keep (or count again) an object that could not be exchanged, with the next retry."""
    now = utcnow()
    found = db.scalar(
        select(DeadLetter).where(
            DeadLetter.mapping_id == mapping.id,
            DeadLetter.direction == direction,
            DeadLetter.stix_id == stix_id[:300],
            DeadLetter.version == version[:40],
        )
    )
    if found is None:
        found = DeadLetter(
            peer_id=mapping.peer_id,
            mapping_id=mapping.id,
            direction=direction,
            stix_id=stix_id[:300],
            version=version[:40],
            attempts=0,
            first_failed_at=now,
        )
        db.add(found)
    found.attempts += 1
    found.reason = reason
    found.last_failed_at = now
    found.resolved_at = None
    found.next_retry_at = health.retry_at(now, found.attempts)
    db.flush()
    return found


def refused(
    db: Session,
    *,
    mapping: Mapping,
    direction: Direction,
    stix_id: str,
    version: str,
    reason: str,
    outcome: OutcomeKind = OutcomeKind.REJECTED,
) -> dict[str, Any]:
    """An object the peer or this node did not take: kept as a dead letter for a retry, and
    its outcome row (rejected, or still pending at the peer) returned for the run."""
    dead_letter(
        db, mapping=mapping, direction=direction, stix_id=stix_id, version=version, reason=reason
    )
    return outcome_row(mapping, direction, stix_id, version, outcome=outcome, reason=reason)


def resolve(
    db: Session, mapping: Mapping, direction: Direction, keys: list[tuple[str, str]]
) -> None:
    """Mark the dead letters among ``keys`` (stix id, version) as exchanged at last."""
    if not keys:
        return
    # One read per page: in the common case nothing waits and nothing more is asked.
    waiting = db.scalars(
        select(DeadLetter).where(
            DeadLetter.mapping_id == mapping.id,
            DeadLetter.direction == direction,
            DeadLetter.resolved_at.is_(None),
        )
    ).all()
    if not waiting:
        return
    wanted = set(keys)
    now = utcnow()
    for letter in waiting:
        if (letter.stix_id, letter.version) in wanted:
            letter.resolved_at = now
            letter.next_retry_at = None
